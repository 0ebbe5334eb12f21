import { defineScenario } from '../src/scenario/index.ts';

/**
 * A fast burn of the 99.5% availability SLO: 10% of requests fail, 20× the sustainable error rate.
 * ModelErrorBudgetBurnFast (1m > 7.2% and 5s > 7.2%, the game-day scale of 1h/5m) must page when the
 * arithmetic says: with the 1m window full of clean traffic, its error ratio reaches 7.2% after
 * k·W/e = 0.072 × 60s / 0.1 = 43.2s (the 5s window after 3.6s), no `for`; measured may be up to scrape +
 * evaluation (2s) later. The 20s of clean traffic before the fault is the least that keeps the 1m window
 * inside this run when it pages (20s + 43.2s ≥ 60s), so traffic from an earlier scenario cannot move the time.
 * ModelErrorRatioHigh (10s > 5%, for 3s) pages first: 0.05 × 10s / 0.1 + 3s = 8s.
 * Timeline: 20s baseline, 48s of errors, 5s tail, 12s recovery (~85s).
 */
export default defineScenario({
  name: 'fast-burn',
  description:
    '10% errors burn the error budget at 20×: the fast burn-rate page comes at its predicted 43.2s',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 40, duration: '73s' }],
    timeout: '5s',
  },
  faults: [{ id: 'burn', kind: 'error-burst', at: '20s', duration: '48s', ratio: 0.1, status: 500 }],
  expect: [
    { kind: 'alert-fires', alert: 'ModelErrorBudgetBurnFast', after: 'burn', within: '46s' },
    { kind: 'alert-fires', alert: 'ModelErrorRatioHigh', after: 'burn', within: '11s' },
    { kind: 'alert-resolves', alert: 'ModelErrorBudgetBurnFast', after: 'burn', within: '10s' },
    { kind: 'alert-silent', alert: 'ModelLatencyP99High' },
    { kind: 'alert-silent', alert: 'ModelServerDown' },
    { kind: 'threshold', phase: 'baseline', metric: 'error-ratio', op: '<', value: 0.01 },
    { kind: 'threshold', phase: 'fault', metric: 'error-ratio', op: '>', value: 0.08 },
  ],
  recovery: '12s',
});
