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
  /** Fault TTL in ms: the fault's duration plus a safety margin. */
  ttlMs: number;
  signal: AbortSignal;
  now: () => number;
}

export type LandedResult = { landed: true; evidence: string } | { landed: false; reason: string };

export interface FaultHandle {
  readonly faultId: string;
  landed(): Promise<LandedResult>;
  revert(): Promise<void>;
  /** What to run by hand if revert fails. */
  readonly cleanupHint: string;
}

export interface Injector<F> {
  readonly kind: string;
  readonly backend: string;
  inject(fault: F, ctx: InjectContext): Promise<FaultHandle>;
}
