import { ExitCode } from '../core/errors.ts';
import type { ExpectationResult } from './types.ts';

/** Run verdict: the three expectation verdicts, plus `errored` (could not judge) and `aborted` (interrupted). */
export type RunVerdict = 'passed' | 'failed' | 'inconclusive' | 'errored' | 'aborted';

/** What decides a run's verdict, most serious first. */
export type RunCondition = 'revert-failed' | 'interrupted' | 'errored' | 'failed' | 'inconclusive' | 'passed';

/**
 * The one precedence table, for a run and for many runs (a suite, a capacity search): the first row whose
 * condition holds gives the verdict and the exit code. `errored` exits with its error's own code (2 usage,
 * 3 environment, 1 internal); the table's 3 is the code when none is known.
 */
export const VERDICT_PRECEDENCE: ReadonlyArray<{
  condition: RunCondition;
  verdict: RunVerdict;
  exitCode: ExitCode;
}> = [
  { condition: 'revert-failed', verdict: 'errored', exitCode: ExitCode.revertFailed },
  { condition: 'interrupted', verdict: 'aborted', exitCode: ExitCode.interrupted },
  { condition: 'errored', verdict: 'errored', exitCode: ExitCode.environment },
  { condition: 'failed', verdict: 'failed', exitCode: ExitCode.failed },
  { condition: 'inconclusive', verdict: 'inconclusive', exitCode: ExitCode.inconclusive },
  { condition: 'passed', verdict: 'passed', exitCode: ExitCode.passed },
];

export interface RunFlags {
  interrupted: boolean;
  revertFailed: boolean;
  errored: boolean;
  /** The error's own exit code, when the run errored (default: the table's, 3). */
  errorExitCode?: number | undefined;
}

function rowOf(condition: RunCondition) {
  const row = VERDICT_PRECEDENCE.find((r) => r.condition === condition);
  if (!row) throw new Error(`no precedence row for ${condition}`);
  return row;
}

/** The condition of one run: its flags first, then its expectations (no results at all is inconclusive). */
export function runCondition(results: readonly ExpectationResult[], flags: RunFlags): RunCondition {
  if (flags.revertFailed) return 'revert-failed';
  if (flags.interrupted) return 'interrupted';
  if (flags.errored) return 'errored';
  if (results.some((r) => r.verdict === 'failed')) return 'failed';
  if (results.length === 0 || results.some((r) => r.verdict === 'inconclusive')) return 'inconclusive';
  return 'passed';
}

/** The run's verdict and exit code, from the precedence table. */
export function runVerdict(
  results: readonly ExpectationResult[],
  flags: RunFlags,
): { verdict: RunVerdict; exitCode: number } {
  const condition = runCondition(results, flags);
  const { verdict, exitCode } = rowOf(condition);
  return { verdict, exitCode: condition === 'errored' ? (flags.errorExitCode ?? exitCode) : exitCode };
}

/** A finished run's condition, read back from its verdict and exit code. */
function conditionOf(run: { verdict: RunVerdict; exitCode: number }): RunCondition {
  switch (run.verdict) {
    case 'errored':
      return run.exitCode === ExitCode.revertFailed ? 'revert-failed' : 'errored';
    case 'aborted':
      return 'interrupted';
    default:
      return run.verdict;
  }
}

/**
 * Many runs as one (a suite, a capacity search): the most serious run by the precedence table decides the
 * verdict and exit code (the first such run's code where it errored). No runs at all is inconclusive.
 */
export function aggregate(runs: ReadonlyArray<{ verdict: RunVerdict; exitCode: number }>): {
  verdict: RunVerdict;
  exitCode: number;
} {
  let worst: { run: { verdict: RunVerdict; exitCode: number }; rank: number } | undefined;
  for (const run of runs) {
    const rank = VERDICT_PRECEDENCE.findIndex((r) => r.condition === conditionOf(run));
    if (worst === undefined || rank < worst.rank) worst = { run, rank };
  }
  if (worst === undefined) {
    const { verdict, exitCode } = rowOf('inconclusive');
    return { verdict, exitCode };
  }
  return { verdict: worst.run.verdict, exitCode: worst.run.exitCode };
}
