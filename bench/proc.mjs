// Process facts for the bench runners (Linux /proc; null elsewhere).
import { readFileSync } from 'node:fs';

/** Context switches of this process so far (all threads): voluntary (it slept: one wake-up each) and not. */
export function contextSwitches() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const read = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { voluntary: read('voluntary_ctxt_switches'), involuntary: read('nonvoluntary_ctxt_switches') };
  } catch {
    return null;
  }
}

/** Wake-ups (voluntary context switches) per completed request between two `contextSwitches()` readings. */
export function wakesPerRequest(before, after, completed) {
  if (before === null || after === null || completed <= 0) return null;
  return (after.voluntary - before.voluntary) / completed;
}
