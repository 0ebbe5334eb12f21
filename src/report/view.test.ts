import { describe, expect, it } from 'vitest';
import { renderRunHtml } from './html/index.ts';
import { fileReporters } from './reporters.ts';
import { buildRunJson } from './run-json.ts';
import { buildSummaryMarkdown } from './summary-md.ts';
import { sampleOutcome } from './testing.ts';
import { buildRunView, diagnoseGenerator } from './view.ts';

const traffic = sampleOutcome().traffic!;

describe('diagnoseGenerator', () => {
  it.each([
    ['kept its schedule', { saturated: false }, null],
    [
      'closed model, saturated',
      { model: 'closed' as const, saturated: true, loopLagP99Ms: 40 },
      'closed-saturated',
    ],
    ['open, late, loop kept up: the host is busy', { saturated: true, loopLagP99Ms: 2 }, 'behind-host-bound'],
    [
      'open, late, loop lagging: the generator',
      { saturated: true, loopLagP99Ms: 30 },
      'behind-generator-bound',
    ],
    ['open, late, lag unknown', { saturated: true, loopLagP99Ms: undefined }, 'behind-generator-bound'],
  ])('%s', (_name, overrides, kind) => {
    const { loopLagP99Ms, ...rest } = { ...traffic, ...overrides };
    const t = loopLagP99Ms === undefined ? rest : { ...rest, loopLagP99Ms };
    expect(diagnoseGenerator(t)?.kind ?? null).toBe(kind);
  });
});

describe('file reporters over the view', () => {
  it('render run.json, junit.xml, summary.md and report.html from one view; the summary and page say what the view diagnosed', () => {
    const outcome = { ...sampleOutcome(), traffic: { ...traffic, saturated: true, loopLagP99Ms: 2 } };
    const view = buildRunView(outcome);
    expect(view.generator?.kind).toBe('behind-host-bound');
    expect(fileReporters.map((r) => r.file)).toEqual(['run.json', 'junit.xml', 'summary.md', 'report.html']);
    const [json, , summary, html] = fileReporters.map((r) => r.render(view));
    expect(JSON.parse(json!)).toEqual(buildRunJson(outcome));
    expect(summary).toBe(buildSummaryMarkdown(outcome));
    expect(summary).toContain('the delays came from waiting for a CPU: the host is busy');
    expect(html).toBe(renderRunHtml(view));
    expect(html).toContain('its own loop kept up, so the host’s CPU was busy');
  });
});
