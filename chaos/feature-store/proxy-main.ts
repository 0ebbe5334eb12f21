/**
 * Runnable TCP fault proxy (see proxy.ts):
 *
 *   node --import tsx chaos/feature-store/proxy-main.ts --listen 127.0.0.1:7001 --upstream 127.0.0.1:6379 \
 *     --control-port 41235 [--parent-pid PID]
 *
 * The control token comes from FIREDRILL_CONTROL_TOKEN. Prints `proxy: listening on HOST:PORT, control on
 * URL` once both listen. SIGTERM/SIGINT (or the death of --parent-pid) revert any fault, close and exit 0.
 */
import { pidAlive } from '../local/supervisor.ts';
import { startFaultProxy } from './proxy.ts';

function fail(message: string): never {
  process.stderr.write(`proxy: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const flags = new Map<string, string>();
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i]!;
  const value = argv[i + 1];
  if (!key.startsWith('--') || value === undefined) fail(`bad option ${key}`);
  flags.set(key.slice(2), value);
}
const hostPort = (key: string): [string, number] => {
  const text = flags.get(key) ?? fail(`--${key} HOST:PORT is required`);
  const match = /^(.+):(\d+)$/.exec(text);
  if (!match) fail(`--${key} must be HOST:PORT`);
  return [match[1]!, Number(match[2])];
};
const token = process.env.FIREDRILL_CONTROL_TOKEN ?? fail('FIREDRILL_CONTROL_TOKEN is not set');
const [listenHost, listenPort] = hostPort('listen');
const [upstreamHost, upstreamPort] = hostPort('upstream');
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} proxy ${line}\n`);

const proxy = await startFaultProxy({
  listenHost,
  listenPort,
  upstreamHost,
  upstreamPort,
  controlHost: flags.get('control-host') ?? '127.0.0.1',
  controlPort: Number(flags.get('control-port') ?? 0),
  token,
  log,
}).catch((error: Error) => fail(`could not start: ${error.message}`));
process.stdout.write(
  `proxy: listening on ${listenHost}:${proxy.listenPort} → ${upstreamHost}:${upstreamPort}, control on ${proxy.controlUrl}\n`,
);
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await proxy.close();
  process.exit(0);
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop());
const parent = flags.get('parent-pid');
if (parent !== undefined) {
  setInterval(() => {
    if (!pidAlive(Number(parent))) {
      log(`parent ${parent} is gone; stopping`);
      void stop();
    }
  }, 1000);
}
