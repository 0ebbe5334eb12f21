import { defineScenario } from '../src/scenario/index.ts';

/**
 * Batching sweep on the fixture: one capacity search (p99 < 50 ms, errors < 1 %) per batcher configuration,
 * maxBatchSize × maxQueueDelayMs, stopping early once the last two configurations gained under 5 %. The
 * fixture's accelerator costs 4 ms per batch + 0.25 ms per row, so bigger batches raise the bound: 1 / 4.25 ms
 * ≈ 235 req/s at batch 1, 8 / 6 ms ≈ 1,333 req/s at batch 8 (before the server's own CPU limit). The
 * recommendation is the cheapest configuration that meets the SLO.
 *
 *   firedrill capacity scenarios/capacity-batching.ts --price-per-hour 2.5
 */
export default defineScenario({
  name: 'capacity-batching',
  description: 'Batching sweep: SLO capacity per maxBatchSize × maxQueueDelayMs on the fixture',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    stages: [{ kind: 'constant', name: 'steady', rate: 50, duration: '20s' }],
    timeout: '1s',
    maxInFlight: 2000,
  },
  expect: [{ kind: 'threshold', phase: 'steady', metric: 'p99', op: '<', value: 50 }],
  capacity: {
    slo: { p99: '50ms', errorRatio: 0.01 },
    startRate: 50,
    maxRate: 2000,
    // Each configuration's search takes 75–90 s on the fixture (2 cores): 8 need about 12 minutes.
    maxDuration: '15m',
    warmup: '1s',
    window: '2s',
    configurator: { kind: 'fixture' },
    configurations: { grid: { maxBatchSize: [1, 4, 8, 16], maxQueueDelayMs: [0, 2] } },
    earlyExit: { window: 2, minGain: 0.05 },
  },
});
