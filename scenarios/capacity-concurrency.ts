import { defineScenario } from '../src/scenario/index.ts';

/**
 * Closed-model capacity search on the fixture: the most concurrent users (each sending its next request as
 * soon as its previous one is answered, no think time) with p99 latency under 50 ms and errors under 1 %.
 * LLM servers are sized this way, in concurrent users rather than in requests per second.
 *
 * The fixture's batcher is set to one request per batch, so its simulated accelerator serves at most
 * 1 / 4.25 ms ≈ 235 req/s whatever the number of users: past one or two users each added user only waits
 * in the queue, and latency grows by about one service time per user (Little's law: users = throughput ×
 * latency, so 50 ms at ≈ 235 req/s is about 11 users). The answer lands a little below that, and the
 * throughput those users achieved is reported beside it and prices the cost.
 *
 *   firedrill capacity scenarios/capacity-concurrency.ts
 *
 * Read the latency as closed-model latency: it counts from each actual send (a user sends when it is free),
 * so it leaves out the queueing that open traffic would meet; the open-model answer is
 * scenarios/capacity-search.ts. `firedrill run` of this file is a plain 20 s check with 4 users (its
 * `expect`); the `capacity` block is what `firedrill capacity` reads.
 */
export default defineScenario({
  name: 'capacity-concurrency',
  description: 'Most concurrent users with p99 < 50 ms and errors < 1 % on the fixture (batch size 1)',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'closed',
    stages: [{ kind: 'concurrency', name: 'steady', vus: 4, duration: '20s' }],
    timeout: '1s',
  },
  expect: [{ kind: 'threshold', phase: 'steady', metric: 'p99', op: '<', value: 50 }],
  capacity: {
    slo: { p99: '50ms', errorRatio: 0.01 },
    startConcurrency: 1,
    maxConcurrency: 64,
    maxDuration: '3m',
    warmup: '2s',
    window: '2s',
    configurator: { kind: 'fixture' },
    configurations: [{ maxBatchSize: 1, maxQueueDelayMs: 0 }],
    price: { perHour: 2.5 },
  },
});
