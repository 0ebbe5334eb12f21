import { defineScenario } from '../src/scenario/index.ts';

/**
 * A client starts sending broken rows: for 20 s, 30% of rows carry body_mass_g as a string ("3750"), then for
 * 15 s 20% carry an extra field the model does not know. The server must reject them with 400 (one row per
 * request, so the 400 share follows the row share, within binomial noise at 40 req/s: 30% ± 5% over 800
 * requests, 20% ± 5% over 600) and count them in model_request_schema_violations_total; 400s are client
 * errors, so the 5xx error page must stay silent, as must the latency page.
 */
export default defineScenario({
  name: 'schema-break',
  description: 'Rows with a mistyped or an unknown field are rejected with 400 without paging on errors',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [
      { kind: 'constant', name: 'clean', rate: 40, duration: '20s' },
      { kind: 'constant', name: 'broken', rate: 40, duration: '55s' },
    ],
    timeout: '5s',
    seed: 11,
  },
  payload: {
    drift: [
      {
        id: 'mass-as-text',
        kind: 'wrong-type',
        feature: 'body_mass_g',
        share: 0.3,
        at: '20s',
        duration: '20s',
      },
      {
        id: 'unknown-field',
        kind: 'extra-field',
        field: 'flipper_length_cm',
        value: 19.5,
        share: 0.2,
        at: '50s',
        duration: '15s',
      },
    ],
  },
  expect: [
    { kind: 'requests-rejected', status: 400, minShare: 0.2, maxShare: 0.4, phase: 'mass-as-text' },
    { kind: 'requests-rejected', status: 400, minShare: 0.12, maxShare: 0.28, phase: 'unknown-field' },
    { kind: 'requests-rejected', status: 400, minShare: 0, maxShare: 0, phase: 'clean' },
    { kind: 'alert-silent', alert: 'ModelErrorRatioHigh' },
    { kind: 'alert-silent', alert: 'ModelLatencyP99High' },
  ],
  recovery: '0s',
});
