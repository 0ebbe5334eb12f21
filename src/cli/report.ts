import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode, FiredrillError } from '../core/errors.ts';
import { buildRunView, verdictTableReporter } from '../report/index.ts';
import { renderRunReports } from '../run/index.ts';
import { renderSuiteReports } from '../suite/index.ts';

/**
 * `firedrill report <run-dir>`: rebuilds a run's outcome from its `events.ndjson` alone and re-renders every
 * report in the folder (run.json, junit.xml, summary.md, report.html), then prints the verdict table. Given a
 * suite folder (it holds suite.json), re-renders each of its runs and the suite's report.html. Exits 0 when
 * the reports were written; the run's own verdict is in them.
 */
export async function reportCommand(args: readonly string[]): Promise<number> {
  const [runDir, ...extra] = args;
  if (runDir === undefined || runDir.startsWith('-') || extra.length > 0) {
    throw new FiredrillError('FD_USAGE', `firedrill report takes one run folder, got ${args.length}`, {
      hint: 'firedrill report reports/latest',
    });
  }
  const dir = resolve(runDir);
  if (existsSync(join(dir, 'suite.json'))) {
    const suite = await renderSuiteReports(dir);
    process.stdout.write(
      `suite ${suite.name}: ${suite.verdict} (exit ${suite.exitCode}) · ${suite.runs.length} runs re-rendered · report: ${join(dir, 'report.html')}\n`,
    );
    return ExitCode.passed;
  }
  const outcome = await renderRunReports(dir);
  process.stdout.write(
    `${verdictTableReporter({ color: process.stdout.isTTY === true, reportDir: dir }).render(buildRunView(outcome))}\n`,
  );
  return ExitCode.passed;
}
