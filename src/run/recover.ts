import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type RecoveryRecord, recoverFault, stopOrphanedStack } from '../../chaos/index.ts';
import { FiredrillError, formatError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { FileJournal, type JournalEvent, parseJournal } from '../journal/index.ts';
import { removePrivateFiles, stackSecretFiles } from '../stack/index.ts';

/** What `firedrill recover` found and did for one run. */
export interface RecoveryReport {
  runDir: string;
  /** Faults that were still applied according to the journal, and what recovery did. */
  faults: Array<{
    id: string;
    kind: string;
    backend: string;
    outcome: 'recovered' | 'failed';
    detail: string;
    cleanupHint: string;
  }>;
  /** Faults the journal shows reverted (or recovered before): nothing to do. */
  alreadyClean: string[];
  /** Components of an embedded stack the crashed run owned, stopped now. */
  stoppedComponents: string[];
}

/**
 * The faults a journal shows as possibly still applied: a recovery record was journaled (the injector
 * was about to apply it) and no `fault-reverted` or `fault-recovered` followed. Pure.
 */
export function pendingRecoveries(
  events: readonly JournalEvent[],
): Array<{ id: string; recovery: RecoveryRecord }> {
  const pending = new Map<string, RecoveryRecord>();
  for (const event of events) {
    if (event.type === 'fault-recovery') pending.set(event.id, event.recovery);
    if (event.type === 'fault-reverted' || event.type === 'fault-recovered') pending.delete(event.id);
  }
  return [...pending].map(([id, recovery]) => ({ id, recovery }));
}

/** Resolves a run argument: a run folder, a run id under `reportsDir`, or (none) `reportsDir/latest`. */
export function resolveRunDir(reportsDir: string, run: string | undefined): string {
  const candidates = run === undefined ? [join(reportsDir, 'latest')] : [run, join(reportsDir, run)];
  for (const candidate of candidates) {
    if (existsSync(join(candidate, 'events.ndjson'))) return realpathSync(resolve(candidate));
  }
  const latestTxt = join(reportsDir, 'latest.txt');
  if (run === undefined && existsSync(latestTxt)) {
    const dir = join(reportsDir, readFileSync(latestTxt, 'utf8').trim());
    if (existsSync(join(dir, 'events.ndjson'))) return resolve(dir);
  }
  throw new FiredrillError('FD_USAGE', `no run journal found for ${run ?? `${reportsDir}/latest`}`, {
    hint: 'give a run folder (reports/<run-id>) or a run id; each run keeps events.ndjson in its folder',
  });
}

/**
 * `firedrill recover [run]`: reverts every fault the run's journal shows as possibly still applied
 * (all backends, idempotently — running it twice is harmless), and stops the components of an embedded
 * stack the run owned if the run never ended. Each recovery is journaled (`fault-recovered`).
 */
export async function recoverRun(runDir: string, log: Logger): Promise<RecoveryReport> {
  const file = join(runDir, 'events.ndjson');
  const events = parseJournal(await readFile(file, 'utf8'));
  const journal = FileJournal.appendTo(file);
  const report: RecoveryReport = { runDir, faults: [], alreadyClean: [], stoppedComponents: [] };
  const pending = pendingRecoveries(events);
  const pendingIds = new Set(pending.map((p) => p.id));
  for (const event of events) {
    if (
      event.type === 'fault-recovery' &&
      !pendingIds.has(event.id) &&
      !report.alreadyClean.includes(event.id)
    ) {
      report.alreadyClean.push(event.id);
    }
  }
  for (const { id, recovery } of pending) {
    try {
      const detail = await recoverFault(recovery);
      journal.append({ type: 'fault-recovered', at: Date.now(), id, detail });
      report.faults.push({
        id,
        kind: recovery.kind,
        backend: recovery.backend,
        outcome: 'recovered',
        detail,
        cleanupHint: recovery.cleanupHint,
      });
      log.info(`fault ${id} (${recovery.kind} on ${recovery.backend}): ${detail}`);
    } catch (error) {
      report.faults.push({
        id,
        kind: recovery.kind,
        backend: recovery.backend,
        outcome: 'failed',
        detail: formatError(error),
        cleanupHint: recovery.cleanupHint,
      });
      log.warn(
        `fault ${id} (${recovery.kind} on ${recovery.backend}) could not be recovered: ${formatError(error)}`,
      );
    }
  }
  const ended = events.some((e) => e.type === 'run-ended');
  const stack = events.find(
    (e): e is Extract<JournalEvent, { type: 'stack-ready' }> => e.type === 'stack-ready',
  );
  if (!ended && stack?.ownedPids) {
    const stopped = await stopOrphanedStack(stack.ownedPids);
    report.stoppedComponents.push(stopped);
    // Its tokens and webhook secret are of no use once it is stopped: the run folder keeps none.
    const secrets = stackSecretFiles(runDir);
    removePrivateFiles([secrets.controlFile, secrets.webhookSecretFile]);
    log.info(`embedded stack left by the run: ${stopped}`);
  }
  return report;
}
