import { describe, expect, it } from 'vitest';
import type { DetectionPrediction } from '../evaluate/types.ts';
import { buildRunJson, buildSummaryMarkdown, formatVerdictTable, runJsonSchema } from './index.ts';
import { sampleOutcome } from './testing.ts';
import type { RunOutcome } from './types.ts';

/** The sample outcome where the first expectation is a burn-rate page with a prediction, plus one never. */
function predictedOutcome(): RunOutcome {
  const outcome = sampleOutcome();
  const prediction: DetectionPrediction = {
    expectationId: 'latency-alert-fires',
    alert: 'ModelErrorBudgetBurnFast',
    measure: 'firing',
    faultId: 'f1',
    shape: 'burn-rate',
    errorRatio: 0.1,
    minErrorRatio: 0.072,
    windowsMs: [60_000, 5000],
    crossingMs: 43_210,
    predictedMs: 43_210,
    toleranceMs: 2000,
    explanation: '10% errors at 40 req/s after 20s of traffic; ratio over 1m > 7.2% after 43.2s',
  };
  outcome.predictions = [
    prediction,
    {
      ...prediction,
      expectationId: 'other',
      alert: 'ModelErrorBudgetBurnSlow',
      predictedMs: null,
      crossingMs: null,
    },
  ];
  outcome.expectations[0] = { ...outcome.expectations[0]!, measuredMs: 43_300, predictedMs: 43_210 };
  return outcome;
}

describe('predicted detection times in the reports', () => {
  it('run.json: predictedMs beside measured and floor, and the predictions, valid against the schema', () => {
    const json = runJsonSchema.parse(JSON.parse(JSON.stringify(buildRunJson(predictedOutcome()))));
    expect(json.expectations[0]).toMatchObject({ measuredMs: 43_300, predictedMs: 43_210, floorMs: 2000 });
    expect(json.expectations[1]).not.toHaveProperty('predictedMs');
    expect(json.predictions?.map((p) => [p.alert, p.predictedMs, p.minErrorRatio])).toEqual([
      ['ModelErrorBudgetBurnFast', 43_210, 0.072],
      ['ModelErrorBudgetBurnSlow', null, 0.072],
    ]);
    // Files written before predictions existed still validate (the fields are additive).
    const old = buildRunJson(sampleOutcome()) as Record<string, unknown>;
    delete old.predictions;
    expect(runJsonSchema.safeParse(JSON.parse(JSON.stringify(old))).success).toBe(true);
  });

  it('CLI table: a PREDICTED column only when some expectation has a prediction', () => {
    const lines = formatVerdictTable(predictedOutcome(), { color: false, reportDir: 'r' }).split('\n');
    expect(lines[0]).toMatch(/^VERDICT\s+EXPECTATION\s+MEASURED\s+PREDICTED\s+BUDGET\s+FLOOR\s+DETAIL$/);
    expect(lines[1]).toMatch(/^passed\s+latency-alert-fires\s+43\.3s\s+43\.2s\s+10s\s+2s\s/);
    expect(lines[2]).toMatch(/^failed\s+errors-stay-silent\s+-\s+-\s+-\s+-\s/);
    const plain = formatVerdictTable(sampleOutcome(), { color: false, reportDir: 'r' });
    expect(plain).not.toContain('PREDICTED');
  });

  it('summary.md: a predicted column and a section with the arithmetic and the least error ratio that pages', () => {
    const md = buildSummaryMarkdown(predictedOutcome());
    expect(md).toContain(
      '| expectation | kind | verdict | subject | measured | predicted | budget | floor | detail |',
    );
    expect(md).toMatch(
      /\| `latency-alert-fires` \| alert-fires \| passed \| ModelLatencyHigh \| 43\.3s \| 43\.2s \| 10s \| 2s \|/,
    );
    const section = md.slice(md.indexOf('### Predicted detection times'));
    expect(section).toContain(
      '| `ModelErrorBudgetBurnFast` | `f1` | 10% | 7.2% | 43.2s | +2s | 10% errors at 40 req/s',
    );
    expect(section).toContain('| `ModelErrorBudgetBurnSlow` | `f1` | 10% | 7.2% | never | +2s |');
    expect(buildSummaryMarkdown(sampleOutcome())).not.toContain('Predicted detection times');
    expect(md).not.toContain('Prometheus itself fell behind');
  });

  it("Prometheus's own schedule: in run.json as read, and beside the predictions when it fell behind", () => {
    const late = predictedOutcome();
    late.prometheusLateness = {
      late: true,
      lateScrapes: [{ job: 'model-server', instance: '127.0.0.1:8080', intervalMs: 1000, maxGapMs: 4200 }],
      missedEvaluations: 3,
    };
    const json = runJsonSchema.parse(JSON.parse(JSON.stringify(buildRunJson(late))));
    expect(json.prometheusLateness).toEqual(late.prometheusLateness);
    const md = buildSummaryMarkdown(late);
    const section = md.slice(md.indexOf('### Predicted detection times'));
    expect(section).toMatch(
      /^### Predicted[\s\S]*\*\*Prometheus itself fell behind its schedule during this run\*\*/,
    );

    const onTime = predictedOutcome();
    onTime.prometheusLateness = { late: false, lateScrapes: [], missedEvaluations: 0 };
    expect(runJsonSchema.parse(JSON.parse(JSON.stringify(buildRunJson(onTime)))).prometheusLateness).toEqual({
      late: false,
      lateScrapes: [],
      missedEvaluations: 0,
    });
    expect(buildSummaryMarkdown(onTime)).not.toContain('Prometheus itself fell behind');
    // Files written before the reading existed still validate, and a run that never read it writes none.
    expect(buildRunJson(sampleOutcome())).not.toHaveProperty('prometheusLateness');
  });
});
