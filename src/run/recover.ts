import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { controlToken, type RecoveryRecord, recoverFault, stopOrphanedStack } from '../../chaos/index.ts';
import { type Configurator, type ConfiguratorSpec, configuratorFromSpec } from '../configure/index.ts';
import { ExitCode, FiredrillError, formatError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { FileJournal, type JournalEvent, parseJournal } from '../journal/index.ts';
import { type FaultOutcome, type RunOutcome, writeReports } from '../report/index.ts';
import { removePrivateFiles, stackSecretFiles } from '../stack/index.ts';
import { pendingConfigurations } from './configuration.ts';
import { blankFaultOutcome } from './faults.ts';

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
  /** Server configurations still applied according to the journal, and whether their original came back. */
  configurations: Array<{
    id: string;
    target: string;
    outcome: 'recovered' | 'failed';
    detail: string;
    /** The original settings, to put back by hand when recovery failed. */
    original: Record<string, unknown>;
  }>;
  /** Faults the journal shows reverted (or recovered before): nothing to do. */
  alreadyClean: string[];
  /** Components of an embedded stack the crashed run owned, stopped now. */
  stoppedComponents: string[];
  /**
   * `written`: the run had no run.json (it died before writing it), so recover wrote one with verdict
   * `aborted` saying what it did; `kept`: the run's own run.json stands.
   */
  runJson: 'written' | 'kept';
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

/**
 * The processes a run journaled as started for its own embedded stack: `component-started` events
 * (write-ahead, from the first spawn on) and, for journals written before those existed, `stack-ready`'s
 * `ownedPids`. Pure.
 */
export function journaledComponents(
  events: readonly JournalEvent[],
): Array<{ name: string; pid: number; startTicks: number | null }> {
  const byPid = new Map<number, { name: string; pid: number; startTicks: number | null }>();
  for (const event of events) {
    if (event.type === 'component-started') {
      byPid.set(event.pid, { name: event.name, pid: event.pid, startTicks: event.startTicks });
    }
    if (event.type === 'stack-ready') {
      for (const { name, pid } of event.ownedPids ?? []) {
        if (!byPid.has(pid)) byPid.set(pid, { name, pid, startTicks: null });
      }
    }
  }
  return [...byPid.values()];
}

/**
 * The outcome of a run that died before it wrote run.json, rebuilt from its journal: verdict `aborted`,
 * the faults as far as the journal tells their life, no expectation judged, and what `recover` did as the
 * reason. Exit code 12 when a fault could not be recovered, else 130 (interrupted, faults reverted). Pure.
 */
export function abortedOutcome(
  events: readonly JournalEvent[],
  report: Omit<RecoveryReport, 'runJson'>,
  now: number,
): RunOutcome {
  const started = events.find(
    (e): e is Extract<JournalEvent, { type: 'run-started' }> => e.type === 'run-started',
  );
  const stack = events.find(
    (e): e is Extract<JournalEvent, { type: 'stack-ready' }> => e.type === 'stack-ready',
  );
  const traffic = events.find((e) => e.type === 'traffic-started');
  const faults = new Map<string, FaultOutcome>();
  const fault = (id: string) => faults.get(id);
  for (const e of events) {
    if (e.type === 'fault-injecting') {
      faults.set(e.id, blankFaultOutcome(e));
    }
    const f = 'id' in e ? fault(e.id) : undefined;
    if (!f) continue;
    if (e.type === 'fault-recovery') f.cleanupHint = e.recovery.cleanupHint;
    if (e.type === 'fault-injected') f.injectedAt = e.at;
    if (e.type === 'fault-landed') {
      f.landedAt = e.at;
      f.landedEvidence = e.evidence;
    }
    if (e.type === 'fault-not-landed') f.notLandedReason = e.reason;
    if (e.type === 'fault-inject-failed') f.notLandedReason = `injection failed: ${e.error}`;
    if (e.type === 'fault-reverted' || e.type === 'fault-recovered') f.revertedAt = e.at;
    if (e.type === 'fault-revert-failed') f.revertError = e.error;
  }
  const failed = report.faults.filter((f) => f.outcome === 'failed');
  const configurationFailed = report.configurations.some((c) => c.outcome === 'failed');
  for (const f of failed) {
    const record = faults.get(f.id);
    if (record) record.revertError = f.detail;
  }
  const did = recoveryLines(report);
  const ended = events.some((e) => e.type === 'run-ended');
  return {
    runId: started?.runId ?? '',
    scenario: { name: started?.scenario ?? '', description: '', file: started?.scenarioFile ?? '' },
    startedAt: traffic?.at ?? started?.at ?? now,
    endedAt: now,
    verdict: 'aborted',
    exitCode: failed.length > 0 || configurationFailed ? ExitCode.revertFailed : ExitCode.interrupted,
    reason: `the run was killed ${ended ? 'while it wrote its reports' : 'before it ended'}; firedrill recover: ${did.join('; ')}`,
    stack: {
      prometheus: stack?.prometheus ?? '',
      alertmanager: stack?.alertmanager ?? '',
      target: stack?.target ?? '',
      embedded: stack?.embedded ?? journaledComponents(events).length > 0,
    },
    faults: [...faults.values()],
    alerts: [],
    floors: [],
    predictions: [],
    expectations: [],
    traffic: null,
    phases: {},
    // A killed run's traffic is not summarized here (traffic is null too): no timeline.
    stages: [],
    seconds: [],
    blind: [],
    warnings: did.map((line) => `recover: ${line}`),
  };
}

/** What recovery did, one line per action (for run.json and the CLI). */
export function recoveryLines(report: Omit<RecoveryReport, 'runJson'>): string[] {
  const lines = [
    ...report.faults.map((f) =>
      f.outcome === 'recovered'
        ? `recovered ${f.id} (${f.kind} on ${f.backend}): ${f.detail}`
        : `FAILED to recover ${f.id} (${f.kind} on ${f.backend}): ${f.detail}; clean up by hand: ${f.cleanupHint}`,
    ),
    ...report.configurations.map((c) =>
      c.outcome === 'recovered'
        ? `restored configuration ${c.id} (${c.target}): ${c.detail}`
        : `FAILED to restore configuration ${c.id} (${c.target}): ${c.detail}; put back by hand: ${JSON.stringify(c.original)}`,
    ),
    ...report.alreadyClean.map((id) => `${id} was reverted or recovered before`),
    ...report.stoppedComponents.map((c) => `embedded stack left by the run: ${c}`),
  ];
  return lines.length > 0 ? lines : ['nothing to do: no fault may still be applied, no process was left'];
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
 * (all backends, idempotently — running it twice is harmless), stops the components of an embedded
 * stack the run owned if the run never ended, and writes run.json (verdict `aborted`, with what it did)
 * when the run died before writing it. Each recovery is journaled (`fault-recovered`).
 */
export async function recoverRun(
  runDir: string,
  log: Logger,
  options: { configuratorFor?: (spec: ConfiguratorSpec) => Configurator | Promise<Configurator> } = {},
): Promise<RecoveryReport> {
  const file = join(runDir, 'events.ndjson');
  const events = parseJournal(await readFile(file, 'utf8'));
  const journal = FileJournal.appendTo(file);
  const report: RecoveryReport = {
    runDir,
    faults: [],
    configurations: [],
    alreadyClean: [],
    stoppedComponents: [],
    runJson: 'kept',
  };
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
  // Configurations after faults (a fault may sit on the server being configured), newest first.
  const configuratorFor =
    options.configuratorFor ??
    (async (spec: ConfiguratorSpec) =>
      spec.kind === 'fixture'
        ? configuratorFromSpec(spec, { adminToken: await controlToken(spec.controlFile, spec.url) })
        : configuratorFromSpec(spec));
  for (const applying of pendingConfigurations(events).reverse()) {
    const { id, target, original } = applying;
    try {
      await (await configuratorFor(applying.spec)).restore(original);
      const detail = `original settings ${JSON.stringify(original)} back in effect`;
      journal.append({ type: 'configuration-recovered', at: Date.now(), id, detail });
      report.configurations.push({ id, target, outcome: 'recovered', detail, original });
      log.info(`configuration ${id} (${target}): ${detail}`);
    } catch (error) {
      report.configurations.push({ id, target, outcome: 'failed', detail: formatError(error), original });
      log.warn(`configuration ${id} (${target}) could not be restored: ${formatError(error)}`);
    }
  }
  const ended = events.some((e) => e.type === 'run-ended' || e.type === 'suite-ended');
  const components = journaledComponents(events);
  if (!ended && components.length > 0) {
    const stopped = await stopOrphanedStack(components);
    report.stoppedComponents.push(stopped);
    // Its tokens and webhook secret are of no use once it is stopped: the run folder keeps none.
    const secrets = stackSecretFiles(runDir);
    removePrivateFiles([secrets.controlFile, secrets.webhookSecretFile]);
    log.info(`embedded stack left by the run: ${stopped}`);
  }
  // Only a run's folder has a run.json: a suite's (suite.json) or another program's journal does not.
  const run = events.some((e) => e.type === 'run-started');
  if (run && !existsSync(join(runDir, 'run.json'))) {
    await writeReports(runDir, abortedOutcome(events, report, Date.now()), events);
    report.runJson = 'written';
  }
  return report;
}
