/**
 * A pre-started `firedrill run` for kill-points.test.ts: it imports the runner up front (the slow part of a
 * CLI start, overlapped with the previous kill's run), prints `ready`, then reads one JSON line
 * `{scenarioFile, reportsDir, stateDir, killAt}` from stdin and runs that game day as `firedrill run` does,
 * with the FIREDRILL_TEST_KILL_AT hook: it SIGKILLs itself at the kill point. It exits by itself after 120 s.
 */
import { createInterface } from 'node:readline';
import { killAtHook } from '../../src/cli/test-hooks.ts';
import { silentLogger } from '../../src/core/log.ts';
import { runGameDay } from '../../src/run/runner.ts';

setTimeout(() => process.exit(3), 120_000).unref();
process.stdout.write('ready\n');
const line = await new Promise<string | undefined>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.once('line', resolve);
  lines.once('close', () => resolve(undefined));
});
if (line === undefined) process.exit(0);
const job = JSON.parse(line) as {
  scenarioFile: string;
  reportsDir: string;
  stateDir: string;
  killAt: string;
};
process.env.FIREDRILL_STATE_DIR = job.stateDir;
const result = await runGameDay({
  scenarioFile: job.scenarioFile,
  reportsDir: job.reportsDir,
  log: silentLogger,
  signal: new AbortController().signal,
  afterJournalAppend: killAtHook({ FIREDRILL_TEST_KILL_AT: job.killAt }),
});
process.exit(result.exitCode);
