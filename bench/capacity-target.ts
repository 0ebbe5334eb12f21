// The fixture model server for bench/capacity.mjs: an in-memory feature store (no Redis), its batcher at the
// defaults (the search's configurator sets it), on a free loopback port. Prints "listening <url>".
import { createModelServer } from '../fixtures/model-server/index.ts';

const server = await createModelServer({
  adminToken: process.env.FIXTURE_ADMIN_TOKEN ?? 'bench-token',
  defaultMetrics: false,
  featureStore: {
    lookup: async (ids) => ids.map(() => ({ island: 'Biscoe', sex: 'female' })),
    ping: async () => true,
    seed: async () => {},
    close: async () => {},
  },
  log: () => {},
});
process.stdout.write(`listening ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
