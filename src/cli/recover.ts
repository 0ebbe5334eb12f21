import { parseArgs } from 'node:util';
import { ExitCode, FiredrillError, formatError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { recoverRun, resolveRunDir } from '../run/index.ts';

/** `firedrill recover [run] [--out DIR]`. */
export async function recoverCommand(args: string[], log: Logger): Promise<number> {
  let values: { out?: string | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string' } },
    }));
  } catch (error) {
    throw new FiredrillError('FD_USAGE', formatError(error), { hint: 'firedrill recover --help' });
  }
  if (positionals.length > 1) {
    throw new FiredrillError(
      'FD_USAGE',
      `firedrill recover takes at most one run, got ${positionals.length}`,
      {
        hint: 'firedrill recover reports/<run-id>',
      },
    );
  }
  const runDir = resolveRunDir(values.out ?? 'reports', positionals[0]);
  const report = await recoverRun(runDir, log);
  const lines = [`recover ${runDir}:`];
  for (const f of report.faults) {
    lines.push(
      `  ${f.outcome === 'recovered' ? 'recovered' : 'FAILED   '} ${f.id} (${f.kind} on ${f.backend}): ${f.detail}`,
    );
    if (f.outcome === 'failed') lines.push(`            clean up by hand: ${f.cleanupHint}`);
  }
  for (const id of report.alreadyClean) lines.push(`  clean     ${id}: reverted or recovered before`);
  for (const c of report.stoppedComponents) lines.push(`  stack     embedded stack left by the run: ${c}`);
  if (
    report.faults.length === 0 &&
    report.alreadyClean.length === 0 &&
    report.stoppedComponents.length === 0
  ) {
    lines.push('  nothing to do: the journal shows no fault that may still be applied');
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return report.faults.some((f) => f.outcome === 'failed') ? ExitCode.revertFailed : ExitCode.passed;
}
