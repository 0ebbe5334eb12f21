import {
  type ChaosTargets,
  type FaultHandle,
  faultParams,
  injectFault,
  type RollbackWatchResult,
} from '../../chaos/index.ts';
import { type Clock, sleep } from '../core/clock.ts';
import { formatError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { CanaryWatchRecord, RollbackWatchPlan } from '../evaluate/index.ts';
import type { JournalSink } from '../journal/events.ts';
import type { FaultOutcome } from '../report/index.ts';
import type { PlannedFault } from '../scenario/plan.ts';

/** Safety margin added to each fault's TTL: the backend clears the fault by itself after duration + margin. */
export const faultTtlMarginMs = 15_000;

/** One fault's life as the run saw it (the report's FaultOutcome); filled in as it happens. */
export type FaultRecord = FaultOutcome;

interface ActiveFault {
  record: FaultRecord;
  handle: FaultHandle;
}

/** A canary watch in progress: `stop` ends it early, `endedBy` says why; `done` once it is journaled. */
interface ActiveWatch {
  faultId: string;
  stop: AbortController;
  endedBy: CanaryWatchRecord['endedBy'] | undefined;
  done: Promise<void>;
}

/**
 * Runs the fault timeline: each fault is injected at its planned offset, confirmed with landed(), and
 * reverted at its end. Every handle is pushed on a stack the moment inject returns; `revertAll()`
 * unwinds whatever is still active (LIFO) and is called from the runner's `finally`, so a fault is
 * reverted on every path: normal end, error, and Ctrl-C.
 *
 * A fault named in `rollbackWatches` (a kubernetes bad-canary that a `rollback` expectation follows) gets
 * its controller's status watched from the moment inject returns (`handle.watchRollback`) until the first
 * of: a rollback seen, the watch's deadline, the fault's own revert (stopped before the revert acts: putting
 * the stable version back is no rollback), the run's abort, or `revertAll()`. Each watch is journaled at its
 * start and end (`canary-watch-started`, `canary-watch-ended`) and kept in `canaryWatches`.
 */
export class FaultTimeline {
  readonly records: FaultRecord[];
  /** What each finished canary watch saw, in the order they ended. */
  readonly canaryWatches: CanaryWatchRecord[] = [];
  private readonly active: ActiveFault[] = [];
  private readonly watches: ActiveWatch[] = [];

  constructor(
    private readonly faults: readonly PlannedFault[],
    private readonly deps: {
      targets: ChaosTargets;
      journal: JournalSink;
      clock: Clock;
      log: Logger;
      runId: string;
      /** Told when a fault becomes active or inactive (firedrill's own metrics). */
      onActiveChange?: (faultId: string, kind: string, active: boolean) => void;
      /** The faults whose canary status is watched for a rollback, and for how long (rollbackWatchPlan). */
      rollbackWatches?: readonly RollbackWatchPlan[];
    },
  ) {
    this.records = faults.map(({ fault }) => blankFaultOutcome({ ...fault, params: faultParams(fault) }));
  }

  /** Active fault ids (for the progress line). */
  activeIds(): string[] {
    return this.active.map((a) => a.record.id);
  }

  /** Resolves when every fault has been injected and reverted; rejects when `signal` aborts. */
  async run(startedAt: number, signal: AbortSignal): Promise<void> {
    await Promise.all(
      this.faults.map((planned, index) => this.runOne(planned, this.records[index]!, startedAt, signal)),
    );
  }

  private async runOne(
    planned: PlannedFault,
    record: FaultRecord,
    startedAt: number,
    signal: AbortSignal,
  ): Promise<void> {
    const { journal, clock, log } = this.deps;
    await sleep(startedAt + planned.startMs - clock.now(), signal);
    const { fault } = planned;
    journal.append({
      type: 'fault-injecting',
      at: clock.now(),
      id: fault.id,
      kind: fault.kind,
      backend: fault.backend,
      params: record.params,
    });
    log.info(`fault ${fault.id}: injecting ${fault.kind} (${JSON.stringify(record.params)})`);
    let handle: FaultHandle;
    try {
      handle = await injectFault(fault, this.deps.targets, {
        runId: this.deps.runId,
        ttlMs: fault.duration + faultTtlMarginMs,
        recordRecovery: (recovery) =>
          journal.append({ type: 'fault-recovery', at: clock.now(), id: fault.id, recovery }),
        signal,
        now: clock.now,
      });
    } catch (error) {
      record.notLandedReason = `injection failed: ${formatError(error)}`;
      journal.append({
        type: 'fault-inject-failed',
        at: clock.now(),
        id: fault.id,
        error: formatError(error),
      });
      log.warn(`fault ${fault.id}: injection failed: ${formatError(error)}`);
      return;
    }
    const injectedAt = clock.now();
    record.injectedAt = injectedAt;
    record.cleanupHint = handle.cleanupHint;
    this.active.push({ record, handle });
    journal.append({
      type: 'fault-injected',
      at: record.injectedAt,
      id: fault.id,
      cleanup: handle.cleanupHint,
    });
    this.deps.onActiveChange?.(fault.id, fault.kind, true);
    this.startWatch(fault.id, injectedAt, handle, signal);

    try {
      const landed = await handle.landed();
      if (landed.landed) {
        // A backend that knows when the fault took effect (Chaos Mesh's Applied event) says so.
        record.landedAt = landed.landedAt ?? clock.now();
        record.landedEvidence = landed.evidence;
        journal.append({
          type: 'fault-landed',
          at: record.landedAt,
          id: fault.id,
          evidence: landed.evidence,
        });
        log.info(`fault ${fault.id}: landed (${landed.evidence})`);
      } else {
        record.notLandedReason = landed.reason;
        journal.append({ type: 'fault-not-landed', at: clock.now(), id: fault.id, reason: landed.reason });
        log.warn(`fault ${fault.id}: did not land: ${landed.reason}`);
      }
    } catch (error) {
      record.notLandedReason = `landed() check failed: ${formatError(error)}`;
      journal.append({
        type: 'fault-not-landed',
        at: clock.now(),
        id: fault.id,
        reason: record.notLandedReason,
      });
    }

    await sleep(startedAt + planned.endMs - clock.now(), signal);
    await this.revert(this.active.findIndex((a) => a.record === record));
  }

  /** Starts the canary watch of a fault when one is planned (never throws; a failed watch is journaled). */
  private startWatch(faultId: string, injectedAt: number, handle: FaultHandle, runSignal: AbortSignal): void {
    const planned = this.deps.rollbackWatches?.find((w) => w.faultId === faultId);
    if (!planned) return;
    const { journal, clock, log } = this.deps;
    if (!handle.watchRollback) {
      journal.append({
        type: 'warning',
        at: clock.now(),
        message: `fault ${faultId}: its backend cannot watch ${planned.object} for a rollback, so its rollback expectations cannot be judged`,
      });
      return;
    }
    const deadline = injectedAt + planned.forMs;
    const entry: ActiveWatch = {
      faultId,
      stop: new AbortController(),
      endedBy: undefined,
      done: Promise.resolve(),
    };
    const onRunAbort = () => void this.stopWatch(entry, 'interrupted');
    journal.append({
      type: 'canary-watch-started',
      at: clock.now(),
      faultId,
      object: planned.object,
      deadline,
    });
    this.watches.push(entry);
    if (runSignal.aborted) onRunAbort();
    else runSignal.addEventListener('abort', onRunAbort, { once: true });
    entry.done = handle
      .watchRollback({ since: injectedAt, deadline, signal: entry.stop.signal })
      .catch(
        (error: unknown): RollbackWatchResult => ({
          rolledBack: false,
          reason: 'interrupted',
          evidence: 'no status read',
          blind: [{ from: injectedAt, to: clock.now(), reason: `the watch failed: ${formatError(error)}` }],
          reads: 0,
        }),
      )
      .then((result) => {
        runSignal.removeEventListener('abort', onRunAbort);
        this.watches.splice(this.watches.indexOf(entry), 1);
        const endedAt = clock.now();
        const watch: CanaryWatchRecord = {
          faultId,
          object: planned.object,
          fromAt: injectedAt,
          toAt: result.rolledBack ? result.observedAt : endedAt,
          endedBy: result.rolledBack
            ? 'rollback'
            : result.reason === 'deadline'
              ? 'deadline'
              : (entry.endedBy ?? 'run-ended'),
          rolledBackAt: result.rolledBack ? result.at : null,
          observedAt: result.rolledBack ? result.observedAt : null,
          reads: result.reads,
          evidence: result.evidence,
          blind: result.blind.map((b) => ({ fromAt: b.from, toAt: b.to, reason: b.reason })),
        };
        this.canaryWatches.push(watch);
        journal.append({ type: 'canary-watch-ended', at: endedAt, ...watch });
        log.info(
          `fault ${faultId}: ${planned.object} ${watch.rolledBackAt !== null ? `rolled back ${Math.round(watch.rolledBackAt - injectedAt)}ms after the injection` : `not rolled back (watch ended: ${watch.endedBy})`}`,
        );
      });
  }

  /** Stops a watch (the first reason given wins) and waits until it is journaled. */
  private async stopWatch(entry: ActiveWatch, why: CanaryWatchRecord['endedBy']): Promise<void> {
    entry.endedBy ??= why;
    entry.stop.abort(new Error(`canary watch stopped: ${why}`));
    await entry.done;
  }

  private async revert(index: number): Promise<void> {
    const entry = this.active[index];
    if (!entry) return;
    const { journal, clock, log } = this.deps;
    // The revert puts the stable version back, which a status reads like a rollback: the watch ends first.
    for (const watch of this.watches.filter((w) => w.faultId === entry.record.id)) {
      await this.stopWatch(watch, 'fault-reverting');
    }
    entry.record.revertingAt = clock.now();
    journal.append({ type: 'fault-reverting', at: entry.record.revertingAt, id: entry.record.id });
    try {
      await entry.handle.revert();
      entry.record.revertedAt = clock.now();
      entry.record.revertError = null;
      journal.append({ type: 'fault-reverted', at: entry.record.revertedAt, id: entry.record.id });
      log.info(`fault ${entry.record.id}: reverted`);
      this.deps.onActiveChange?.(entry.record.id, entry.record.kind, false);
      this.active.splice(this.active.indexOf(entry), 1);
    } catch (error) {
      entry.record.revertError = formatError(error);
      journal.append({
        type: 'fault-revert-failed',
        at: clock.now(),
        id: entry.record.id,
        error: entry.record.revertError,
        cleanup: entry.handle.cleanupHint,
      });
      log.warn(`fault ${entry.record.id}: revert failed: ${entry.record.revertError}`);
    }
  }

  /**
   * Reverts every still-active fault, newest first, and ends every canary watch still running. Returns the
   * ids that could not be reverted.
   */
  async revertAll(): Promise<string[]> {
    for (let i = this.active.length - 1; i >= 0; i -= 1) {
      // A fault whose revert failed at its planned end gets one more try here (revert is idempotent).
      await this.revert(i);
    }
    await Promise.all([...this.watches].map((watch) => this.stopWatch(watch, 'run-ended')));
    return this.records.filter((r) => r.revertError !== null && r.revertedAt === null).map((r) => r.id);
  }
}

/**
 * A fault's record before anything has happened to it: every time and outcome null. The one shape the live
 * timeline, the journal fold and recovery start from.
 */
export function blankFaultOutcome(fault: {
  id: string;
  kind: string;
  backend: string;
  params: Record<string, unknown>;
}): FaultOutcome {
  return {
    id: fault.id,
    kind: fault.kind,
    backend: fault.backend,
    params: fault.params,
    injectedAt: null,
    landedAt: null,
    landedEvidence: null,
    notLandedReason: null,
    revertingAt: null,
    revertedAt: null,
    revertError: null,
    cleanupHint: null,
  };
}
