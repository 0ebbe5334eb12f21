import { readdirSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Thread priorities for the open engine (Linux; elsewhere these do nothing).
 *
 * On a busy or pinned core, V8's helper threads (background compilation, parallel scavenges) and libuv's pool
 * run for 1–4 ms at a time, and a thread that wakes for a due send waits for that slice to end: measured in
 * bench/engines at 5,000 req/s on one core, about half of the sends more than 1 ms late were held back this way.
 * Lowering those helpers to the weakest nice value lets the kernel preempt them as soon as the scheduler or the
 * waker wakes. Linux applies a nice value per thread (setpriority(2) with a thread id), and any process may
 * lower its own threads; raising them back needs privilege, so this is for firedrill's own process only.
 */

/** The weakest nice value: such a thread runs when nothing else wants the core. */
export const HELPER_NICE = 19;

/** This thread's kernel thread id (from /proc/thread-self), or undefined where there is no such file. */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets nice HELPER_NICE on every thread of this process except the main thread and `keep` (the engine's
 * thread and its waker). Best effort: a thread that exits meanwhile, or a system without /proc, is skipped.
 * Returns how many threads were lowered.
 */
export function lowerHelperThreads(keep: readonly (number | undefined)[]): number {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  const kept = new Set([process.pid, ...keep]);
  let lowered = 0;
  for (const entry of tids) {
    const tid = Number(entry);
    if (!Number.isInteger(tid) || kept.has(tid)) continue;
    try {
      setPriority(tid, HELPER_NICE);
      lowered += 1;
    } catch {
      // gone already, or not ours to change
    }
  }
  return lowered;
}
