import { defineScenario } from '../src/scenario/index.ts';

/**
 * Capacity search on the fixture: the highest constant request rate at which p99 latency (from each
 * request's intended start) stays under 50 ms and errors under 1 %. The fixture's batcher is set to one
 * request per batch (no queue delay), so its simulated accelerator serves at most 1 / 4.25 ms ≈ 235 req/s
 * of single rows: the answer lands a little below that, where queueing pushes p99 past 50 ms.
 *
 *   firedrill capacity scenarios/capacity-search.ts --price-per-hour 2.5
 *   firedrill capacity scenarios/capacity-search.ts --fault throttled-gpu   (also under a GPU clock lock)
 *
 * `firedrill run` of this file is a plain 20-second check at 50 req/s (its `expect`), with the GPU
 * throttled from 5 s to 15 s; the `capacity` block is what `firedrill capacity` reads.
 */
export default defineScenario({
  name: 'capacity-search',
  description: 'Highest rate with p99 < 50 ms and errors < 1 % on the fixture (batch size 1)',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    stages: [{ kind: 'constant', name: 'steady', rate: 50, duration: '20s' }],
    timeout: '1s',
    maxInFlight: 1000,
  },
  // `firedrill capacity … --fault throttled-gpu` searches again while the simulated GPU's SM clock is locked
  // at half (compute takes twice as long: about half the capacity) and reports the headroom.
  faults: [
    { id: 'throttled-gpu', kind: 'gpu-throttle', mode: 'clock-lock', depth: 0.5, at: '5s', duration: '10s' },
  ],
  expect: [{ kind: 'threshold', phase: 'steady', metric: 'p99', op: '<', value: 50 }],
  capacity: {
    slo: { p99: '50ms', errorRatio: 0.01 },
    startRate: 20,
    maxRate: 1000,
    maxDuration: '3m',
    warmup: '2s',
    window: '2s',
    configurator: { kind: 'fixture' },
    configurations: [{ maxBatchSize: 1, maxQueueDelayMs: 0 }],
    price: { perHour: 2.5 },
  },
});
