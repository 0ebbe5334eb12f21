import { ExitCode } from '../core/errors.ts';
import { lineLogger } from '../core/log.ts';
import { formatSuiteTable, runSuite } from '../suite/index.ts';
import { abortOnSignals, namespaceAllowlist } from './command-context.ts';
import { parseSuiteFlags } from './flags.ts';
import { suiteHelp } from './help.ts';

/** `firedrill suite <dir | files… | x.suite.ts> [--repeat N] [stack flags as for run]`. */
export async function suiteCommand(args: string[]): Promise<number> {
  const flags = parseSuiteFlags(args);
  if (flags.help) {
    process.stdout.write(`${suiteHelp}\n`);
    return ExitCode.passed;
  }
  // Parsed before anything runs, so a bad tolerance costs no game day.
  const { suiteBaselineComparison, toleranceOf } = await import('./compare.ts');
  const tolerance = toleranceOf(flags.tolerance, '--tolerance');
  const interrupt = abortOnSignals('the running scenario reverts its faults; the suite writes what ran');
  const log = lineLogger();
  try {
    const result = await runSuite({
      ...flags,
      args: flags.paths,
      compareBaseline: suiteBaselineComparison(tolerance),
      reportsDir: flags.out,
      allowedNamespaces: namespaceAllowlist(flags.allowNamespaces),
      log: flags.quiet ? { ...log, info() {} } : log,
      signal: interrupt.signal,
      onRun: ({ phase, scenario, repeat, entry }) => {
        if (flags.quiet) return;
        if (phase === 'start') log.info(`suite: ${scenario} (run ${repeat}) starts`);
        if (phase === 'end' && entry)
          log.info(`suite: ${scenario} (run ${repeat}) ${entry.verdict} (exit ${entry.exitCode})`);
      },
    });
    if (result.outcome.reason) process.stderr.write(`firedrill: ${result.outcome.reason}\n`);
    process.stdout.write(`${formatSuiteTable(result.outcome, result.reportDir)}\n`);
    return result.exitCode;
  } finally {
    interrupt.release();
  }
}
