import { defineScenario } from '../src/scenario/index.ts';

/**
 * From 15 s every request's flipper length is shifted by 2σ (σ ≈ 14.0 mm in the reference, so +28 mm): the
 * drift ticket for that feature must fire within 20 s (the window needs ~50 shifted rows, then the rule's
 * `for: 5s`); the other three features keep their reference distribution and must stay silent (their
 * expected PSI is 0.02, 95th percentile 0.035, far below 0.25); latency and error alerts stay silent too,
 * since drift changes no timing. Expected drift (src/drift/expected.ts, 200 windows of 500 rows): flipper PSI
 * 5.24, 5th–95th percentile 5.13–5.41, KS D 0.68.
 * The shift lasts 40 s, so the monitor's window is full of shifted rows for 27.5 s (the observed PSI is the
 * median of those readings). It ends at 55 s and the last 20 s (800 rows) of reference traffic flush the
 * 500-row drift window, so
 * the tickets resolve before the run ends: the window refreshes only with traffic, and a drift left in it
 * would keep the tickets firing into whatever runs next on the stack (a suite's next scenario, a repeat).
 */
export default defineScenario({
  name: 'feature-drift',
  description: 'A sudden 2σ shift of flipper_length_mm opens the drift ticket for that feature only',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 40, duration: '75s' }],
    timeout: '5s',
    seed: 7,
  },
  payload: {
    drift: [
      {
        id: 'flipper-shift',
        kind: 'mean-shift',
        feature: 'flipper_length_mm',
        sigma: 2,
        at: '15s',
        duration: '40s',
      },
    ],
  },
  expect: [
    { kind: 'drift-detected', alert: 'FeatureDriftPSIHigh', feature: 'flipper_length_mm', within: '20s' },
    { kind: 'alert-silent', alert: 'FeatureDriftPSIHigh', labels: { feature: 'bill_length_mm' } },
    { kind: 'alert-silent', alert: 'FeatureDriftPSIHigh', labels: { feature: 'bill_depth_mm' } },
    { kind: 'alert-silent', alert: 'FeatureDriftPSIHigh', labels: { feature: 'body_mass_g' } },
    { kind: 'alert-silent', alert: 'ModelLatencyP99High' },
    { kind: 'alert-silent', alert: 'ModelErrorRatioHigh' },
    { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 },
  ],
  recovery: '0s',
});
