import { defineScenario } from '../src/scenario/index.ts';

/**
 * A bad release: model version v2 goes out as a canary on 20 % of the traffic and fails 5 % of its requests
 * (1 % of all traffic, under every error-ratio alert's threshold). The rollout controller's analysis (canary
 * error ratio more than 1 point above the baseline's once it answered 100 requests, 3 checks in a row) must
 * roll it back within 25 s and page
 * (ModelCanaryRolledBack), the page must clear once v1 is restored, and the serving alerts stay silent.
 */
export default defineScenario({
  name: 'bad-canary',
  description: 'A canary failing 5 % of its requests at 20 % weight is rolled back within 25 s, and pages',
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
      errors: 0.05,
    },
  ],
  expect: [
    { kind: 'rollback', after: 'canary-v2', within: '25s' },
    { kind: 'alert-fires', alert: 'ModelCanaryRolledBack', after: 'canary-v2', within: '25s' },
    { kind: 'alert-resolves', alert: 'ModelCanaryRolledBack', after: 'canary-v2', within: '10s' },
    { kind: 'alert-silent', alert: 'ModelErrorRatioHigh' },
    { kind: 'alert-silent', alert: 'ModelLatencyP99High' },
    { kind: 'alert-silent', alert: 'ModelAccuracyLow' },
    { kind: 'alert-silent', alert: 'ModelServerDown' },
    { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.02 },
  ],
  recovery: '10s',
});
