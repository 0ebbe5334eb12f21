import { ExitCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { recoverRun, resolveRunDir } from '../run/index.ts';

/** `firedrill recover [run] [--out DIR]` (flags parsed by parseRecoverFlags). */
export async function recoverCommand(
  flags: { run: string | undefined; out: string },
  log: Logger,
): Promise<number> {
  const runDir = resolveRunDir(flags.out, flags.run);
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
  if (report.runJson === 'written') {
    lines.push('  report    run.json written: verdict aborted (the run died before writing it)');
  }
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
