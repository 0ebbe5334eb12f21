import { defineScenario } from '../src/scenario/index.ts';

/**
 * Kill the model server (kill -9) under steady load; like a pod under a restart policy it comes back
 * after a 10 s back-off. The availability page must fire within 12 s and resolve within 15 s of the
 * fault's end, and Prometheus must scrape it again within 20 s of the revert; drift and GPU alerts must
 * stay silent. On Kubernetes the same fault is a Chaos Mesh PodChaos (pod-kill) on the pods the selector
 * picks.
 */
export default defineScenario({
  name: 'pod-kill',
  description: 'Killing the model server pages ModelServerDown within 12 s and clears once it is back',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 30, duration: '55s' }],
    timeout: '2s',
  },
  faults: [
    {
      id: 'kill-server',
      kind: 'pod-kill',
      target: 'model-server',
      at: '15s',
      duration: '10s',
      restartAfter: '10s',
      selector: { namespace: 'ml-serving', labelSelectors: { 'app.kubernetes.io/name': 'penguins' } },
    },
  ],
  expect: [
    { kind: 'alert-fires', alert: 'ModelServerDown', after: 'kill-server', within: '12s' },
    { kind: 'alert-resolves', alert: 'ModelServerDown', after: 'kill-server', within: '15s' },
    { kind: 'alert-silent', alert: 'FeatureDriftPSIHigh' },
    { kind: 'alert-silent', alert: 'GPUThrottledPowerCap' },
    { kind: 'alert-silent', alert: 'FeatureStoreLookupErrorsHigh' },
    { kind: 'threshold', phase: 'baseline', metric: 'error-ratio', op: '<', value: 0.01 },
    { kind: 'threshold', phase: 'fault', metric: 'error-ratio', op: '>', value: 0.5 },
    {
      kind: 'promql',
      id: 'model-server-scraped-again',
      expr: 'up{job="model-server"} == 1',
      after: 'kill-server',
      holds: 'eventually',
      within: '20s',
    },
  ],
  recovery: '25s',
});
