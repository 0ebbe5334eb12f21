import { defineScenario } from '../src/scenario/index.ts';

/**
 * A quietly wrong release: v2's weights are perturbed so it is 40 points less accurate on the reference data,
 * yet every answer is a valid 200 in the same time. Error-ratio, latency and error-budget alerts cannot see it;
 * only a model-quality check on labelled (shadow) requests can: the rollout controller's accuracy analysis
 * rolls it back, ModelCanaryRolledBack pages and ModelAccuracyLow opens a ticket for v2.
 */
export default defineScenario({
  name: 'accuracy-canary',
  description:
    'A canary 40 points less accurate (all 200s) is caught only by the accuracy check and rolled back',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 40, duration: '50s' }],
    timeout: '5s',
  },
  faults: [
    {
      id: 'canary-v2',
      kind: 'bad-canary',
      at: '10s',
      duration: '30s',
      version: 'v2',
      weight: 20,
      accuracyDrop: 0.4,
    },
  ],
  expect: [
    { kind: 'rollback', after: 'canary-v2', within: '25s' },
    { kind: 'alert-fires', alert: 'ModelCanaryRolledBack', after: 'canary-v2', within: '25s' },
    {
      kind: 'alert-fires',
      alert: 'ModelAccuracyLow',
      labels: { version: 'v2' },
      after: 'canary-v2',
      within: '25s',
    },
    { kind: 'alert-silent', alert: 'ModelAccuracyLow', labels: { version: 'v1' } },
    { kind: 'alert-silent', alert: 'ModelErrorRatioHigh' },
    { kind: 'alert-silent', alert: 'ModelLatencyP99High' },
    { kind: 'alert-silent', alert: 'ModelErrorBudgetBurnFast' },
    { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 },
  ],
  recovery: '10s',
});
