import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { type RecoveryReport, recoverRun, resolveRunDir } from '../run/index.ts';

/** `firedrill recover [run] [--out DIR]` (flags parsed by parseRecoverFlags). */
export async function recoverCommand(
  flags: { run: string | undefined; out: string },
  log: Logger,
): Promise<number> {
  const runDir = resolveRunDir(flags.out, flags.run);
  // A suite's folder: first the run that was going on (its faults, while the stack still serves), then the
  // stack the suite held.
  const current = currentRunOfSuite(runDir);
  const reports = [...(current ? [await recoverRun(current, log)] : []), await recoverRun(runDir, log)];
  const lines: string[] = [];
  for (const report of reports) lines.push(...describe(report));
  process.stdout.write(`${lines.join('\n')}\n`);
  return reports.some(
    (r) =>
      r.faults.some((f) => f.outcome === 'failed') || r.configurations.some((c) => c.outcome === 'failed'),
  )
    ? ExitCode.revertFailed
    : ExitCode.passed;
}

/** The run folder `latest` points at inside a suite folder (the suite's journal says it is one). */
function currentRunOfSuite(dir: string): string | undefined {
  const journal = readFileSync(join(dir, 'events.ndjson'), 'utf8');
  if (!journal.includes('"type":"suite-started"')) return undefined;
  const latest = join(dir, 'latest');
  return existsSync(join(latest, 'events.ndjson')) ? realpathSync(latest) : undefined;
}

function describe(report: RecoveryReport): string[] {
  const runDir = report.runDir;
  const lines = [`recover ${runDir}:`];
  for (const f of report.faults) {
    lines.push(
      `  ${f.outcome === 'recovered' ? 'recovered' : 'FAILED   '} ${f.id} (${f.kind} on ${f.backend}): ${f.detail}`,
    );
    if (f.outcome === 'failed') lines.push(`            clean up by hand: ${f.cleanupHint}`);
  }
  for (const c of report.configurations) {
    lines.push(
      `  ${c.outcome === 'recovered' ? 'restored ' : 'FAILED   '} configuration ${c.id} (${c.target}): ${c.detail}`,
    );
    if (c.outcome === 'failed') lines.push(`            put back by hand: ${JSON.stringify(c.original)}`);
  }
  for (const id of report.alreadyClean) lines.push(`  clean     ${id}: reverted or recovered before`);
  for (const c of report.stoppedComponents) lines.push(`  stack     embedded stack left by the run: ${c}`);
  if (report.runJson === 'written') {
    lines.push('  report    run.json written: verdict aborted (the run died before writing it)');
  }
  if (
    report.faults.length === 0 &&
    report.configurations.length === 0 &&
    report.alreadyClean.length === 0 &&
    report.stoppedComponents.length === 0
  ) {
    lines.push('  nothing to do: the journal shows no fault or configuration that may still be applied');
  }
  return lines;
}
