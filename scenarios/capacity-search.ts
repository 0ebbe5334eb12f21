import { defineScenario } from '../src/scenario/index.ts';

/**
 * Capacity search on the fixture: the highest constant request rate at which p99 latency (from each
 * request's intended start) stays under 50 ms and errors under 1 %. The fixture's batcher is set to one
 * request per batch (no queue delay), so its simulated accelerator serves at most 1 / 4.25 ms ≈ 235 req/s
 * of single rows: the answer lands a little below that, where queueing pushes p99 past 50 ms.
 *
 *   firedrill capacity scenarios/capacity-search.ts --price-per-hour 2.5
 *
 * `firedrill run` of this file is a plain one-minute check at 50 req/s (its `expect`); the `capacity`
 * block is what `firedrill capacity` reads.
 */
export default defineScenario({
  name: 'capacity-search',
  description: 'Highest rate with p99 < 50 ms and errors < 1 % on the fixture (batch size 1)',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    stages: [{ kind: 'constant', name: 'steady', rate: 50, duration: '20s' }],
    timeout: '1s',
    maxInFlight: 1000,
  },
  expect: [{ kind: 'threshold', phase: 'steady', metric: 'p99', op: '<', value: 50 }],
  capacity: {
    slo: { p99: '50ms', errorRatio: 0.01 },
    startRate: 20,
    maxRate: 1000,
    maxDuration: '3m',
    warmup: '2s',
    window: '2s',
    configurator: { kind: 'fixture' },
    configurations: [{ maxBatchSize: 1, maxQueueDelayMs: 0 }],
    price: { perHour: 2.5 },
  },
});
