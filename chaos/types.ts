/**
 * Injector contract, shared by every fault family and backend.
 *
 *   inject(fault, ctx) → Handle        applies the fault; resolves once the backend acknowledged it
 *   Handle.landed()                    confirms the fault really took effect (evidence), or says why not
 *   Handle.revert()                    idempotent; safe to call many times and after a TTL expiry
 *
 * The runner pushes each handle on a stack the moment inject returns and unwinds it (LIFO) in `finally`.
 * Every fault carries a TTL enforced outside firedrill's process where the backend allows, so a fault
 * never outlives the game day even if firedrill is killed.
 */
export interface InjectContext {
  /** Run id, for labelling. */
  runId: string;
  /**
   * Write-ahead: an injector calls this BEFORE it applies anything, with what `recoverFault` needs to
   * undo the fault if firedrill dies (object names, container ids, control URLs). It is journaled
   * synchronously (events.ndjson) before the call returns.
   */
  recordRecovery(recovery: RecoveryRecord): void;
  /** Fault TTL in ms: the fault's duration plus a safety margin. */
  ttlMs: number;
  signal: AbortSignal;
  now: () => number;
}

export type LandedResult =
  | {
      landed: true;
      evidence: string;
      /**
       * When the backend says the fault took effect (epoch ms), where it records that itself (e.g. the time
       * of Chaos Mesh's "Applied" event). The runner may use it instead of the time landed() returned.
       */
      landedAt?: number;
    }
  | { landed: false; reason: string };

export interface FaultHandle {
  readonly faultId: string;
  landed(): Promise<LandedResult>;
  revert(): Promise<void>;
  /** What to run by hand if revert fails. */
  readonly cleanupHint: string;
  /**
   * bad-canary on a backend whose rollout controller reports its own status (kubernetes: Argo Rollouts,
   * KServe): polls that status for a rollback of this canary. Absent where the controller is read from
   * Prometheus instead (local). Never rejects: read failures are blind spans in the result.
   */
  watchRollback?(options: RollbackWatchOptions): Promise<RollbackWatchResult>;
}

export interface RollbackWatchOptions {
  /** Epoch ms the fault was injected: a rollback time is never before it. */
  since: number;
  /** Epoch ms to give up at. */
  deadline: number;
  /** Aborted to stop the watch early (the fault's revert, the run's end, Ctrl-C): it then resolves at once. */
  signal: AbortSignal;
}

/** A span (epoch ms) when the controller's status could not be read: neither a rollback nor its absence. */
export interface BlindSpan {
  from: number;
  to: number;
  reason: string;
}

/** What a rollback watch saw. `reads` counts the status reads that succeeded. */
export type RollbackWatchResult =
  | {
      rolledBack: true;
      /** When it rolled back (epoch ms): the controller's own timestamp where it records one (whole seconds),
       *  kept within [the last poll that saw no rollback (or since), observedAt]; else observedAt. */
      at: number;
      /** The poll that first saw it (epoch ms). */
      observedAt: number;
      evidence: string;
      blind: BlindSpan[];
      reads: number;
    }
  | {
      rolledBack: false;
      reason: 'deadline' | 'interrupted';
      evidence: string;
      blind: BlindSpan[];
      reads: number;
    };

export interface Injector<F> {
  readonly kind: string;
  readonly backend: string;
  inject(fault: F, ctx: InjectContext): Promise<FaultHandle>;
}

/**
 * What `firedrill recover` needs to revert a fault a crashed run left behind, from the journal alone.
 * `backend` and `kind` select the recoverer; `data` is the backend's own (JSON-serialisable).
 * Credentials are never stored here: recoverers read them from the stack state or the environment.
 */
export interface RecoveryRecord {
  backend: 'local' | 'docker' | 'kubernetes';
  kind: string;
  /** One line a human can run to clean up by hand if recovery fails. */
  cleanupHint: string;
  data: Record<string, unknown>;
}
