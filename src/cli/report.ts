import { existsSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ExitCode, FiredrillError } from '../core/errors.ts';

/**
 * `firedrill report <run-dir>`: rebuilds a run's outcome from its `events.ndjson` alone and re-renders every
 * report in the folder (run.json, junit.xml, summary.md, report.html), then prints the verdict table. Given a
 * suite folder (it holds suite.json), re-renders each of its runs and the suite's report.html. Exits 0 when
 * the reports were written; the run's own verdict is in them. Given a capacity folder (it holds
 * capacity.json, or is named capacity-<id>), re-reads capacity.json through its schema and rewrites
 * summary.md and capacity.html, then prints the capacity table.
 */
export async function reportCommand(args: readonly string[]): Promise<number> {
  const [runDir, ...extra] = args;
  if (runDir === undefined || runDir.startsWith('-') || extra.length > 0) {
    throw new FiredrillError(
      'FD_USAGE',
      `firedrill report takes one run, suite or capacity folder, got ${args.length}`,
      {
        hint: 'firedrill report reports/latest',
      },
    );
  }
  const dir = resolve(runDir);
  if (existsSync(join(dir, 'capacity.json')) || basename(realpathOr(dir)).startsWith('capacity-')) {
    // A capacity folder (its events.ndjson is the search's journal, not a run's): capacity.json is the record.
    const { formatCapacityTable, renderCapacityReports } = await import('../capacity/index.ts');
    const result = await renderCapacityReports(dir);
    process.stdout.write(
      `${formatCapacityTable(result, dir)}\nre-rendered summary.md and capacity.html from capacity.json\n`,
    );
    return ExitCode.passed;
  }
  if (existsSync(join(dir, 'suite.json'))) {
    const { renderSuiteReports } = await import('../suite/index.ts');
    const suite = await renderSuiteReports(dir);
    process.stdout.write(
      `suite ${suite.name}: ${suite.verdict} (exit ${suite.exitCode}) · ${suite.runs.length} runs re-rendered · report: ${join(dir, 'report.html')}\n`,
    );
    return ExitCode.passed;
  }
  const [{ renderRunReports }, { buildRunView, verdictTableReporter }] = await Promise.all([
    import('../run/index.ts'),
    import('../report/index.ts'),
  ]);
  const outcome = await renderRunReports(dir);
  process.stdout.write(
    `${verdictTableReporter({ color: process.stdout.isTTY === true, reportDir: dir }).render(buildRunView(outcome))}\n`,
  );
  return ExitCode.passed;
}

/** The path with links resolved (reports/latest → reports/capacity-<id>), or the path itself when it does not exist. */
function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
