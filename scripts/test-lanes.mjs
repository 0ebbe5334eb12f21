// `npm test`'s vitest step: two lanes side by side, each a vitest process running its files one at a time.
//   gamedays: the timed end-to-end game days (vitest project "gamedays"; light on CPU, long on waiting)
//   rest:     the unit tests, then the other integration tests (projects "unit" and "integration")
// On a 2-core machine the lanes overlap the game days' waiting with everything else. Each line of output is
// prefixed with its lane; the exit code is the first non-zero one of the lanes. Extra arguments go to both.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const extra = process.argv.slice(2);
const lanes = [
  { name: 'gamedays', args: ['run', '--project', 'gamedays', ...extra] },
  { name: 'rest', args: ['run', '--project', 'unit', '--project', 'integration', ...extra] },
];

const started = Date.now();
const children = lanes.map((lane) => {
  const child = spawn(process.execPath, [vitest, ...lane.args], {
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${lane.name}] ${line}\n`));
  }
  const done = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      process.stdout.write(`[${lane.name}] lane ended: ${signal ?? `exit ${code}`} after ${seconds} s\n`);
      resolve(code ?? 1);
    });
  });
  return { child, done };
});

// Ctrl-C or a CI cancel stops both lanes (vitest stops its own children).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const { child } of children) child.kill(signal);
  });
}

const codes = await Promise.all(children.map((c) => c.done));
process.exitCode = codes.find((code) => code !== 0) ?? 0;
