import { defineScenario } from '../src/scenario/index.ts';

/**
 * Slow the feature store (Redis) down by 200 ms (± 20 ms jitter) for 15 s: every lookup overruns the model
 * server's 50 ms lookup budget, so it answers 503 (fallback "fail"), and the feature-store error and
 * latency alerts must fire within budget and resolve after the revert, while drift, GPU and availability
 * alerts stay silent. Locally the fault is firedrill's TCP proxy in front of Redis; on Kubernetes a
 * NetworkChaos delay between the model server pods and the store. (A blackhole, `mode: 'blackhole'`, fires
 * the error alert too; whether lookups then wait out their timeout depends on the Redis client noticing
 * the dead connection, so the latency alert is not a reliable expectation for it.)
 */
export default defineScenario({
  name: 'feature-store-outage',
  description:
    'A slow feature store pages on lookup errors and latency within 12 s; drift and GPU stay silent',
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
      mode: 'latency',
      latency: '200ms',
      jitter: '20ms',
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
