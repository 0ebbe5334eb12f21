import { defineScenario } from '../src/scenario/index.ts';

/**
 * A capacity probe with a closed workload (fixed concurrency, like k6 VUs or wrk connections): users ramp
 * from 1 to 16 over 20 s, then 16 hold for 15 s, each sending its next request as soon as its previous one
 * is answered (no think time). No faults: the thresholds say how the server holds up as concurrency grows,
 * and every answer is validated (probabilities for the three species, and a label).
 *
 * Read the figures as closed-model figures: latency is measured from each actual send, so it leaves out the
 * queueing real (open) traffic would meet when the server slows, and throughput is what 16 users achieved
 * against this server, not its capacity. Alert tests and latency SLOs want the open model (the other
 * scenarios).
 */
export default defineScenario({
  name: 'capacity-closed',
  description:
    'Closed-model capacity probe: 1→16 users; latency, errors and answers hold as concurrency grows',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'closed',
    stages: [
      { kind: 'concurrency-ramp', name: 'climb', from: 1, to: 16, duration: '20s' },
      { kind: 'concurrency', name: 'hold', vus: 16, duration: '15s' },
    ],
    timeout: '5s',
    validate: {
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [null, 3] },
        { name: 'label', datatype: 'BYTES' },
      ],
    },
  },
  expect: [
    { kind: 'threshold', phase: 'hold', metric: 'p99', op: '<', value: 250 },
    { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 },
    { kind: 'threshold', phase: 'run', metric: 'wrong-answer-ratio', op: '<', value: 0.001 },
    { kind: 'threshold', phase: 'hold', metric: 'throughput', op: '>', value: 200 },
  ],
});
