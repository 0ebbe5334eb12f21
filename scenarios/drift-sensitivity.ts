import { defineScenario } from '../src/scenario/index.ts';

/**
 * How small a shift does the PSI ticket catch? Five mean shifts of flipper_length_mm (0.25σ … 3σ), each
 * held 30 s, separated by reference traffic long enough for the monitor's 500-row window to refill (13 s at
 * 40 req/s) and the alert to resolve (+10 s). Shifts from 0.5σ up must be detected within 20 s; the 0.25σ
 * step is measured only: its expected PSI is 0.23 (5th–95th 0.16–0.31), so a single reading is above the
 * 0.25 threshold about a third of the time and detection is a coin toss, which is the point of the table.
 */
export default defineScenario({
  name: 'drift-sensitivity',
  description: 'A sweep of flipper_length_mm shifts measures the smallest drift the PSI ticket detects',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 40, duration: '285s' }],
    timeout: '5s',
    seed: 3,
  },
  payload: {
    sweep: { feature: 'flipper_length_mm', sigmas: [0.25, 0.5, 1, 2, 3], stepDuration: '30s', at: '30s' },
  },
  expect: [
    {
      kind: 'drift-detected',
      alert: 'FeatureDriftPSIHigh',
      feature: 'flipper_length_mm',
      within: '20s',
      minSigma: 0.5,
    },
    { kind: 'alert-silent', alert: 'FeatureDriftPSIHigh', labels: { feature: 'body_mass_g' } },
    { kind: 'alert-silent', alert: 'ModelErrorRatioHigh' },
  ],
  recovery: '0s',
});
