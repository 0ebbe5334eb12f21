/**
 * Runnable process supervisor (see supervisor.ts):
 *
 *   node --import tsx chaos/local/supervise.ts --name model-server --control-port 41234 \
 *     --log run/model-server.log [--restart-after-ms 1000] [--ready URL] [--parent-pid PID] -- CMD ARGS...
 *
 * The control token comes from FIREDRILL_CONTROL_TOKEN (removed from the child's environment). Prints
 * `supervisor NAME: control on URL` once the control API listens. SIGTERM/SIGINT stop the child and exit 0.
 */
import { startSupervisor } from './supervisor.ts';

function fail(message: string): never {
  process.stderr.write(`supervise: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const dashDash = argv.indexOf('--');
if (dashDash < 0 || dashDash === argv.length - 1) fail('usage: supervise.ts [options] -- command [args...]');
const flags = new Map<string, string>();
for (let i = 0; i < dashDash; i += 2) {
  const key = argv[i]!;
  const value = argv[i + 1];
  if (!key.startsWith('--') || value === undefined || i + 1 >= dashDash) fail(`bad option ${key}`);
  flags.set(key.slice(2), value);
}
const [command, ...args] = argv.slice(dashDash + 1);
const token = process.env.FIREDRILL_CONTROL_TOKEN ?? '';
if (!token) fail('FIREDRILL_CONTROL_TOKEN is not set');
const name = flags.get('name') ?? 'component';
const logFile = flags.get('log') ?? fail('--log is required');
const int = (key: string, fallback?: number): number => {
  const text = flags.get(key);
  if (text === undefined) return fallback ?? fail(`--${key} is required`);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) fail(`--${key} must be a non-negative integer`);
  return value;
};
const env = { ...process.env };
delete env.FIREDRILL_CONTROL_TOKEN;
const ready = flags.get('ready');
const parentPid = flags.has('parent-pid') ? int('parent-pid') : undefined;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} supervisor ${line}\n`);

const supervisor = await startSupervisor({
  name,
  command: command!,
  args,
  env,
  logFile,
  restartAfterMs: int('restart-after-ms', 1000),
  ...(ready ? { ready } : {}),
  controlHost: flags.get('control-host') ?? '127.0.0.1',
  controlPort: int('control-port', 0),
  token,
  ...(parentPid !== undefined ? { parentPid } : {}),
  log,
}).catch((error: Error) => fail(`could not start: ${error.message}`));
process.stdout.write(`supervisor ${name}: control on ${supervisor.controlUrl}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void supervisor.shutdown());
await supervisor.closed;
process.exit(0);
