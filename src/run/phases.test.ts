import { describe, expect, it } from 'vitest';
import type { PlannedPhase } from '../scenario/plan.ts';
import type { TrafficWindow } from '../traffic/types.ts';
import { phaseWindows } from './phases.ts';

const startedAt = 1_700_000_000_000;
const windows: TrafficWindow[] = Array.from({ length: 45 }, (_, second) => ({
  startAt: startedAt + second * 1000,
  second,
  intended: 1,
  sent: 1,
  ok: 1,
  httpErrors: 0,
  networkErrors: 0,
  timeouts: 0,
  late: 0,
  dropped: 0,
  okHistogram: '',
  errorHistogram: '',
  statusCodes: {},
}));
const seconds = (ws: TrafficWindow[]) => ws.map((w) => w.second);
const planned = (name: string, startMs: number, endMs: number): PlannedPhase => ({
  name,
  spans: [{ startMs, endMs }],
});

describe('phaseWindows', () => {
  // Planned: fault 15 s → 30 s, traffic 45 s. Actual: injected at +15.2 s, reverted at +30.3 s.
  const faults = [{ injectedAt: startedAt + 15_200, revertedAt: startedAt + 30_300 }];

  it('puts a window where its middle is: a window straddling the revert goes to the phase that holds most of it', () => {
    const fault = phaseWindows(windows, planned('fault', 15_000, 30_000), startedAt, faults);
    // [30 s, 31 s) was 30 % fault: a fault window, never a clean recovery one.
    expect(seconds(fault)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    const recovery = phaseWindows(windows, planned('recovery', 30_000, 45_000), startedAt, faults);
    expect(seconds(recovery)[0]).toBe(31);
    expect(recovery).toHaveLength(14);
    const baseline = phaseWindows(windows, planned('baseline', 0, 15_000), startedAt, faults);
    expect(seconds(baseline)).toEqual([...Array(15).keys()]);
  });

  it('partitions the run: every window in exactly one of baseline, fault, recovery', () => {
    const all = ['baseline', 'fault', 'recovery'].flatMap((name) =>
      seconds(
        phaseWindows(
          windows,
          planned(
            name,
            name === 'baseline' ? 0 : name === 'fault' ? 15_000 : 30_000,
            name === 'baseline' ? 15_000 : name === 'fault' ? 30_000 : 45_000,
          ),
          startedAt,
          faults,
        ),
      ),
    );
    expect(all.sort((a, b) => a - b)).toEqual([...Array(45).keys()]);
  });

  it('keeps a window that straddles the injection out of the baseline when the engine started late', () => {
    // The engine's windows trail the run's start by 300 ms: [14.3 s, 15.3 s) holds 300 ms of the fault.
    const late = windows.map((w) => ({ ...w, startAt: w.startAt + 300 }));
    const at15 = [{ injectedAt: startedAt + 15_000, revertedAt: startedAt + 30_000 }];
    const baseline = phaseWindows(late, planned('baseline', 0, 15_000), startedAt, at15);
    expect(seconds(baseline)).toEqual([...Array(14).keys()]);
    const fault = phaseWindows(late, planned('fault', 15_000, 30_000), startedAt, at15);
    expect(seconds(fault)[0]).toBe(14);
    expect(seconds(fault).at(-1)).toBe(29);
    const recovery = phaseWindows(late, planned('recovery', 30_000, 45_000), startedAt, at15);
    expect(seconds(recovery)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43]);
  });

  it('follows the planned spans when no fault was injected', () => {
    const fault = phaseWindows(windows, planned('fault', 15_000, 30_000), startedAt, [
      { injectedAt: null, revertedAt: null },
    ]);
    expect(seconds(fault)).toEqual([...Array(15).keys()].map((i) => i + 15));
  });
});
