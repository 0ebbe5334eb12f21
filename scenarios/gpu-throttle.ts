import { defineScenario } from '../src/scenario/index.ts';

/**
 * Cap the GPU's power at half its limit for 20 s: the SM clock drops, the power-cap reason bit is set,
 * inference slows. The GPU throttling alerts must fire within budget and resolve after the revert; the
 * feature-store, drift and availability alerts must stay silent. Locally the fixture's simulated GPU
 * (DCGM-style exporter); on Kubernetes a privileged Job on the target's node runs `nvidia-smi -pl`.
 */
export default defineScenario({
  name: 'gpu-throttle',
  description: 'A 50% GPU power cap raises GPUThrottledPowerCap within 15 s and clears after the revert',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 40, duration: '60s' }],
    timeout: '2s',
  },
  faults: [
    {
      id: 'power-cap',
      kind: 'gpu-throttle',
      mode: 'power-cap',
      depth: 0.5,
      at: '15s',
      duration: '20s',
      selector: { namespace: 'ml-serving', labelSelectors: { 'app.kubernetes.io/name': 'penguins' } },
    },
  ],
  expect: [
    { kind: 'alert-fires', alert: 'GPUThrottledPowerCap', after: 'power-cap', within: '15s' },
    { kind: 'alert-fires', alert: 'GPUSMClockLow', after: 'power-cap', within: '15s' },
    { kind: 'alert-resolves', alert: 'GPUThrottledPowerCap', after: 'power-cap', within: '15s' },
    { kind: 'alert-silent', alert: 'FeatureStoreLookupErrorsHigh' },
    { kind: 'alert-silent', alert: 'FeatureDriftPSIHigh' },
    { kind: 'alert-silent', alert: 'ModelServerDown' },
    { kind: 'alert-silent', alert: 'GPUThrottledThermal' },
    { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 },
  ],
  recovery: '25s',
});
