import { describe, expect, it } from 'vitest';
import type { ExpectationResult } from './types.ts';
import { aggregate, runVerdict, VERDICT_PRECEDENCE } from './verdict.ts';

const r = (verdict: ExpectationResult['verdict']): ExpectationResult => ({
  id: verdict,
  kind: 'alert-fires',
  subject: 'X',
  verdict,
  measuredMs: null,
  budgetMs: null,
  floorMs: null,
  detail: '',
});
const none = { interrupted: false, revertFailed: false, errored: false };

describe('VERDICT_PRECEDENCE', () => {
  it('orders the conditions most serious first, with their documented exit codes', () => {
    expect(VERDICT_PRECEDENCE.map((row) => [row.condition, row.verdict, row.exitCode])).toEqual([
      ['revert-failed', 'errored', 12],
      ['interrupted', 'aborted', 130],
      ['errored', 'errored', 3],
      ['failed', 'failed', 10],
      ['inconclusive', 'inconclusive', 11],
      ['passed', 'passed', 0],
    ]);
  });
});

describe('runVerdict', () => {
  it("an errored run exits with its error's own code, unless a revert failed too", () => {
    expect(runVerdict([r('passed')], { ...none, errored: true, errorExitCode: 2 })).toEqual({
      verdict: 'errored',
      exitCode: 2,
    });
    expect(runVerdict([], { ...none, errored: true })).toEqual({ verdict: 'errored', exitCode: 3 });
    expect(
      runVerdict([r('passed')], { ...none, errored: true, revertFailed: true, errorExitCode: 2 }),
    ).toEqual({ verdict: 'errored', exitCode: 12 });
    expect(
      runVerdict([r('failed')], { ...none, interrupted: true, errored: true, errorExitCode: 2 }),
    ).toEqual({
      verdict: 'aborted',
      exitCode: 130,
    });
  });
});

describe('aggregate', () => {
  const run = (verdict: Parameters<typeof aggregate>[0][number]['verdict'], exitCode: number) => ({
    verdict,
    exitCode,
  });
  it.each([
    ['all passed', [run('passed', 0), run('passed', 0)], run('passed', 0)],
    [
      'one failed among passes',
      [run('passed', 0), run('failed', 10), run('inconclusive', 11)],
      run('failed', 10),
    ],
    ['inconclusive beats passed', [run('passed', 0), run('inconclusive', 11)], run('inconclusive', 11)],
    [
      'an errored run keeps its own code',
      [run('failed', 10), run('errored', 2), run('errored', 3)],
      run('errored', 2),
    ],
    ['interrupted beats errored', [run('errored', 3), run('aborted', 130)], run('aborted', 130)],
    [
      'a failed revert beats everything',
      [run('aborted', 130), run('errored', 12), run('passed', 0)],
      run('errored', 12),
    ],
    ['no runs is inconclusive', [], run('inconclusive', 11)],
  ])('%s', (_name, runs, expected) => {
    expect(aggregate(runs)).toEqual(expected);
  });
});
