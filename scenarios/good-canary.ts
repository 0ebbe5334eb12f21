import { defineScenario } from '../src/scenario/index.ts';

/**
 * A good release: v2 is identical to v1 and goes out as a canary on 20 % of the traffic. The rollout
 * controller analyses it for the whole canary and must not roll it back (a false rollback is an outage of the
 * release too); no rollback page, no serving alert.
 */
export default defineScenario({
  name: 'good-canary',
  description: 'An identical canary at 20 % weight is analysed and not rolled back',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 40, duration: '45s' }],
    timeout: '5s',
  },
  faults: [{ id: 'canary-v2', kind: 'bad-canary', at: '10s', duration: '30s', version: 'v2', weight: 20 }],
  expect: [
    { kind: 'rollback', after: 'canary-v2', within: '25s', expect: 'none' },
    { kind: 'alert-silent', alert: 'ModelCanaryRolledBack' },
    { kind: 'alert-silent', alert: 'ModelErrorRatioHigh' },
    { kind: 'alert-silent', alert: 'ModelLatencyP99High' },
    { kind: 'alert-silent', alert: 'ModelAccuracyLow' },
    { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 },
  ],
  recovery: '5s',
});
