import { defineScenario } from '../src/scenario/index.ts';

/**
 * 30% of inference requests answer 500 for 15 s: the error-ratio page must fire within 15 s and resolve
 * within 25 s of the revert; the latency page must stay silent (errors are fast).
 */
export default defineScenario({
  name: 'error-burst',
  description: 'A 30% burst of HTTP 500s pages on the error ratio within 15 s and clears after the revert',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 40, duration: '55s' }],
    timeout: '5s',
  },
  faults: [{ id: 'errors', kind: 'error-burst', at: '15s', duration: '15s', ratio: 0.3, status: 500 }],
  expect: [
    { kind: 'alert-fires', alert: 'ModelErrorRatioHigh', after: 'errors', within: '15s' },
    { kind: 'alert-resolves', alert: 'ModelErrorRatioHigh', after: 'errors', within: '25s' },
    { kind: 'alert-silent', alert: 'ModelLatencyP99High' },
    { kind: 'alert-silent', alert: 'ModelServerDown' },
    { kind: 'alert-silent', alert: 'FeatureStoreLookupErrorsHigh' },
    { kind: 'threshold', phase: 'baseline', metric: 'error-ratio', op: '<', value: 0.01 },
    { kind: 'threshold', phase: 'fault', metric: 'error-ratio', op: '>', value: 0.2 },
    // Errors are fast: the client-side p99 stays under the latency page's line (ModelLatencyP99High: 250 ms).
    { kind: 'threshold', phase: 'run', metric: 'p99', op: '<', value: 250 },
  ],
  recovery: '25s',
});
