/** Runs: the stages a program drives (prepare → preflight → execute → judge → report) and the programs. */

export { prepare } from './prepare.ts';
export { type RecoveryReport, recoverRun, resolveRunDir } from './recover.ts';
export { type RunOptions, type RunProgress, type RunResult, runGameDay } from './runner.ts';
