/** What a long-running command takes from its process: interrupt signals and the namespace allowlist. */
import { FiredrillError } from '../core/errors.ts';

/**
 * Ctrl-C and SIGTERM abort the returned signal once (reason FD_INTERRUPTED), after writing `what` (what the
 * command does now) to stderr; `release()` stops listening. For commands whose work stops itself on abort
 * (suite, capacity); `firedrill run` has its own (a second Ctrl-C quits without waiting).
 */
export function abortOnSignals(what: string): { signal: AbortSignal; release(): void } {
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) return;
    process.stderr.write(`\ninterrupted: ${what}\n`);
    abort.abort(new FiredrillError('FD_INTERRUPTED', 'interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: abort.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The Kubernetes namespaces faults may target: --allow-namespace, then $FIREDRILL_ALLOWED_NAMESPACES (comma-separated). */
export function namespaceAllowlist(fromFlags: readonly string[]): string[] {
  return [...fromFlags, ...(process.env.FIREDRILL_ALLOWED_NAMESPACES ?? '').split(',').filter(Boolean)];
}
