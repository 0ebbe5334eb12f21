import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { PreciseWaker } from './waker.ts';

const wakers: PreciseWaker[] = [];
afterEach(() => {
  for (const waker of wakers.splice(0)) waker.close();
});

function make(onWake: () => void): PreciseWaker {
  const waker = new PreciseWaker(onWake);
  wakers.push(waker);
  return waker;
}

describe('PreciseWaker', () => {
  it('wakes the main thread at (not before) a sub-millisecond due time', async () => {
    const lateness: number[] = [];
    let resolve: () => void = () => {};
    let due = 0;
    let count = 0;
    const keepAlive = setInterval(() => {}, 1000);
    const waker = make(() => {
      const now = performance.now();
      lateness.push(now - due);
      count += 1;
      if (count === 20) resolve();
      else {
        due = now + 0.3 + (count % 5) * 0.1; // 0.3–0.7 ms ahead: below a timer's granularity
        waker.arm(due);
      }
    });
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    // Let the thread start before timing it.
    await waker.ready;
    due = performance.now() + 0.5;
    waker.arm(due);
    await done;
    clearInterval(keepAlive);
    expect(lateness).toHaveLength(20);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(-0.05); // never early (clock shift between threads: µs)
    const sorted = [...lateness].sort((a, b) => a - b);
    // A 1 ms-grained timer would be 0.3–2 ms late; the waker's median is well under that even on a busy machine.
    expect(sorted[10]).toBeLessThan(1);
  });

  it('a re-arm replaces the earlier time, and a disarmed waker stays silent', async () => {
    const wakes: number[] = [];
    const waker = make(() => wakes.push(performance.now()));
    // A thread that is not running yet would see only the last arming: wait for it, so the first one counts.
    await waker.ready;
    const start = performance.now();
    waker.arm(start + 5);
    waker.arm(start + 40); // replaces the 5 ms arming
    await new Promise((r) => setTimeout(r, 25));
    expect(wakes).toHaveLength(0);
    // The 40 ms wake-up; on a busy host its message may reach this thread a little later.
    for (let waited = 0; wakes.length === 0 && waited < 2000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    expect(wakes).toHaveLength(1);
    expect((wakes[0] ?? 0) - start).toBeGreaterThanOrEqual(39.9);
    waker.arm(performance.now() + 5);
    waker.disarm();
    await new Promise((r) => setTimeout(r, 30));
    expect(wakes).toHaveLength(1);
  });
});
