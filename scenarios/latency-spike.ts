import { defineScenario } from '../src/scenario/index.ts';

/**
 * The sample game day: a steady 40 req/s of real inference traffic, a 400 ms latency spike on the model
 * server for 15 s, and the latency page must fire within 15 s and resolve within 25 s of the revert,
 * while the error-ratio and availability alerts stay silent.
 */
export default defineScenario({
  name: 'latency-spike',
  description: 'A 400 ms latency spike on the model server pages within 15 s and clears after the revert',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 40, duration: '55s' }],
    timeout: '5s',
  },
  faults: [{ id: 'slow-model', kind: 'latency-spike', at: '15s', duration: '15s', delay: '400ms' }],
  expect: [
    { kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'slow-model', within: '15s' },
    {
      kind: 'alert-fires',
      id: 'latency-page-notified',
      alert: 'ModelLatencyP99High',
      after: 'slow-model',
      within: '20s',
      measure: 'notified',
    },
    { kind: 'alert-resolves', alert: 'ModelLatencyP99High', after: 'slow-model', within: '25s' },
    { kind: 'alert-silent', alert: 'ModelErrorRatioHigh' },
    { kind: 'alert-silent', alert: 'ModelServerDown' },
    { kind: 'alert-silent', alert: 'FeatureDriftPSIHigh' },
    // Client-side p99 under the latency page's line (ModelLatencyP99High: 250 ms) before the fault.
    { kind: 'threshold', phase: 'baseline', metric: 'p99', op: '<', value: 250 },
    { kind: 'threshold', phase: 'fault', metric: 'p50', op: '>=', value: 400 },
    { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 },
  ],
  recovery: '25s',
});
