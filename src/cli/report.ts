import { resolve } from 'node:path';
import { ExitCode, FiredrillError } from '../core/errors.ts';
import { buildRunView, verdictTableReporter } from '../report/index.ts';
import { renderRunReports } from '../run/index.ts';

/**
 * `firedrill report <run-dir>`: rebuilds a run's outcome from its `events.ndjson` alone and re-renders every
 * report in the folder (run.json, junit.xml, summary.md), then prints the verdict table. Exits 0 when the
 * reports were written; the run's own verdict is in them.
 */
export async function reportCommand(args: readonly string[]): Promise<number> {
  const [runDir, ...extra] = args;
  if (runDir === undefined || runDir.startsWith('-') || extra.length > 0) {
    throw new FiredrillError('FD_USAGE', `firedrill report takes one run folder, got ${args.length}`, {
      hint: 'firedrill report reports/latest',
    });
  }
  const dir = resolve(runDir);
  const outcome = await renderRunReports(dir);
  process.stdout.write(
    `${verdictTableReporter({ color: process.stdout.isTTY === true, reportDir: dir }).render(buildRunView(outcome))}\n`,
  );
  return ExitCode.passed;
}
