import { type ChaosTargets, type FaultHandle, faultParams, injectFault } from '../../chaos/index.ts';
import { type Clock, sleep } from '../core/clock.ts';
import { formatError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
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

/**
 * Runs the fault timeline: each fault is injected at its planned offset, confirmed with landed(), and
 * reverted at its end. Every handle is pushed on a stack the moment inject returns; `revertAll()`
 * unwinds whatever is still active (LIFO) and is called from the runner's `finally`, so a fault is
 * reverted on every path: normal end, error, and Ctrl-C.
 */
export class FaultTimeline {
  readonly records: FaultRecord[];
  private readonly active: ActiveFault[] = [];

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
    record.injectedAt = clock.now();
    record.cleanupHint = handle.cleanupHint;
    this.active.push({ record, handle });
    journal.append({
      type: 'fault-injected',
      at: record.injectedAt,
      id: fault.id,
      cleanup: handle.cleanupHint,
    });
    this.deps.onActiveChange?.(fault.id, fault.kind, true);

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

  private async revert(index: number): Promise<void> {
    const entry = this.active[index];
    if (!entry) return;
    const { journal, clock, log } = this.deps;
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

  /** Reverts every still-active fault, newest first. Returns the ids that could not be reverted. */
  async revertAll(): Promise<string[]> {
    for (let i = this.active.length - 1; i >= 0; i -= 1) {
      // A fault whose revert failed at its planned end gets one more try here (revert is idempotent).
      await this.revert(i);
    }
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
