import { defineScenario } from '../src/scenario/index.ts';

/**
 * Blackhole the feature store (Redis) for 15 s: every lookup times out, the model server answers 503
 * (fallback "fail"), and the feature-store error and latency alerts must fire within budget and resolve
 * after the revert, while drift and GPU alerts stay silent. Locally the fault is firedrill's TCP proxy in
 * front of Redis; on Kubernetes a NetworkChaos partition between the model server pods and the store.
 */
export default defineScenario({
  name: 'feature-store-outage',
  description: 'A feature-store blackhole pages on lookup errors within 12 s; drift and GPU stay silent',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 30, duration: '55s' }],
    timeout: '2s',
  },
  faults: [
    {
      id: 'store-down',
      kind: 'feature-store-outage',
      mode: 'blackhole',
      at: '15s',
      duration: '15s',
      selector: { namespace: 'ml-serving', labelSelectors: { 'app.kubernetes.io/name': 'penguins' } },
      externalTarget: 'redis.feature-store.svc.cluster.local',
    },
  ],
  expect: [
    { kind: 'alert-fires', alert: 'FeatureStoreLookupErrorsHigh', after: 'store-down', within: '12s' },
    { kind: 'alert-fires', alert: 'FeatureStoreLatencyP99High', after: 'store-down', within: '12s' },
    { kind: 'alert-resolves', alert: 'FeatureStoreLookupErrorsHigh', after: 'store-down', within: '25s' },
    { kind: 'alert-silent', alert: 'FeatureDriftPSIHigh' },
    { kind: 'alert-silent', alert: 'GPUThrottledPowerCap' },
    { kind: 'alert-silent', alert: 'GPUClocksLocked' },
    { kind: 'alert-silent', alert: 'ModelServerDown' },
    { kind: 'threshold', phase: 'baseline', metric: 'error-ratio', op: '<', value: 0.01 },
  ],
  recovery: '25s',
});
