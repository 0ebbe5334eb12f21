import { join } from 'node:path';
import { sleep } from '../core/clock.ts';
import { ExitCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import {
  isAlive,
  readStackState,
  removePrivateFiles,
  removeStackState,
  stackEndpoints,
  startEmbeddedStack,
  stateDir,
  writeStackState,
} from '../stack/index.ts';

/** `firedrill up`: the embedded stack, detached, recorded in .firedrill/stack.json. */
export async function upCommand(log: Logger): Promise<number> {
  const existing = await readStackState();
  if (existing?.components.every((c) => isAlive(c.pid))) {
    process.stdout.write(
      `a stack is already up (started ${existing.startedAt}); \`firedrill down\` stops it\n`,
    );
    printEndpoints(existing);
    return ExitCode.passed;
  }
  if (existing) await stopPids(existing.components, log);
  const dir = join(stateDir(), 'stack');
  const stack = await startEmbeddedStack({ dir, log, detached: true });
  const state = {
    ...stackEndpoints(stack),
    startedAt: new Date().toISOString(),
    dir,
    components: stack.components.map((c) => ({ name: c.name, pid: c.pid, logFile: c.logFile })),
  };
  await writeStackState(state);
  process.stdout.write('stack is up:\n');
  printEndpoints(state);
  process.stdout.write(
    'run a game day with `firedrill run scenarios/latency-spike.ts`; stop with `firedrill down`\n',
  );
  return ExitCode.passed;
}

function printEndpoints(s: { prometheus: string; alertmanager: string; target: string; webhookUrl: string }) {
  process.stdout.write(
    `  prometheus    ${s.prometheus}\n  alertmanager  ${s.alertmanager}\n  model server  ${s.target}\n  webhook       ${s.webhookUrl} (firedrill run listens here)\n`,
  );
}

/** `firedrill down`. */
export async function downCommand(log: Logger): Promise<number> {
  const state = await readStackState();
  if (!state) {
    process.stdout.write('no stack is up (nothing in .firedrill/stack.json)\n');
    return ExitCode.passed;
  }
  await stopPids(state.components, log);
  // The stack's tokens and webhook secret die with it.
  removePrivateFiles([state.controlFile, state.webhookSecretFile]);
  await removeStackState();
  process.stdout.write('stack stopped\n');
  return ExitCode.passed;
}

async function stopPids(
  components: ReadonlyArray<{ name: string; pid: number }>,
  log: Logger,
): Promise<void> {
  for (const c of [...components].reverse()) {
    if (isAlive(c.pid)) {
      log.info(`stopping ${c.name} (pid ${c.pid})`);
      process.kill(c.pid, 'SIGTERM');
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && components.some((c) => isAlive(c.pid))) await sleep(100);
  for (const c of components) {
    if (isAlive(c.pid)) {
      log.warn(`${c.name} (pid ${c.pid}) ignored SIGTERM; sending SIGKILL`);
      process.kill(c.pid, 'SIGKILL');
    }
  }
}
