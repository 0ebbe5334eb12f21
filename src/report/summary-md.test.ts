import { describe, expect, it } from 'vitest';
import { buildSummaryMarkdown } from './index.ts';
import { sampleOutcome } from './testing.ts';

function section(md: string, title: string): string {
  const start = md.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`no section ${title}`);
  const next = md.indexOf('\n## ', start + 3);
  return md.slice(start, next < 0 ? undefined : next);
}

function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))
    .map((l) =>
      l
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((c) => c.trim()),
    );
}

describe('buildSummaryMarkdown', () => {
  const md = buildSummaryMarkdown(sampleOutcome());

  it('titles the report with scenario and verdict and says what happened in one paragraph', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe('# firedrill: latency-spike — failed');
    expect(lines[1]).toBe('');
    expect(lines[2]).toContain('`20250115-100000-latency-spike-a1b2`');
    expect(lines[2]).toContain('ran for 1m5s');
    expect(lines[2]).toContain('1 fault, 1 confirmed landed');
    expect(lines[2]).toContain('1 passed, 1 failed and 1 was inconclusive');
    expect(lines[2]).toContain('**failed** (exit 10)');
    expect(lines[3]).toBe('');
  });

  it('has an expectations table with every expectation, its verdict in words and its times', () => {
    const rows = tableRows(section(md, 'Expectations'));
    expect(rows[0]).toEqual([
      'expectation',
      'kind',
      'verdict',
      'subject',
      'measured',
      'budget',
      'floor',
      'detail',
    ]);
    expect(rows.slice(1).map((r) => [r[0], r[2]])).toEqual([
      ['`latency-alert-fires`', 'passed'],
      ['`errors-stay-silent`', 'failed'],
      ['`latency-alert-resolves`', 'inconclusive'],
    ]);
    expect(rows[1]?.slice(4, 7)).toEqual(['2.8s', '10s', '2s']);
    expect(rows[2]?.slice(4, 7)).toEqual(['—', '—', '—']);
    expect(rows[3]?.slice(4, 7)).toEqual(['—', '30s', '1s']);
    // every row has as many cells as the header: the detail's special characters did not break the table
    for (const r of rows) expect(r).toHaveLength(8);
    expect(rows[2]?.[7]).toBe('label model="resnet&lt;&"\'>" fired');
  });

  it('shows fault times as offsets from the start', () => {
    const rows = tableRows(section(md, 'Faults'));
    expect(rows[1]?.slice(0, 6)).toEqual(['`f1`', 'gpu-throttle', 'local', '+12.3s', '+12.8s', '+42.3s']);
    expect(rows[1]?.[6]).toContain('landed: fixture reports gpu\\_clock\\_throttle\\_reasons=4');
  });

  it('has an alert timeline with pending, firing, notified and resolved offsets', () => {
    const rows = tableRows(section(md, 'Alerts'));
    expect(rows[0]).toEqual(['alert', 'labels', 'pending', 'firing', 'notified', 'resolved', 'source']);
    expect(rows[1]).toEqual([
      '`ModelLatencyHigh`',
      '`severity="page", model="resnet50"`',
      '+13.0s',
      '+15.1s',
      '+15.6s',
      '—',
      'alerts-series',
    ]);
    expect(rows[2]?.[0]).toBe('`ModelErrorRateHigh`');
    expect(rows[2]?.slice(2)).toEqual(['+18.0s', '+20.0s', '—', '+50.3s', 'api (upper bounds)']);
  });

  it('lists detection floors and blind periods', () => {
    const alerts = section(md, 'Alerts');
    expect(alerts).toContain(
      '| `ModelLatencyHigh` | firing | 2s | +2s | scrape 1s, eval 1s, for 2s, group\\_wait 0s |',
    );
    expect(alerts).toContain('- prometheus +44.0s to +52.0s (8s): connect ECONNREFUSED 127.0.0.1:39090');
  });

  it('has a traffic table per phase with sent, ok, errors, ratio, percentiles and throughput', () => {
    const traffic = section(md, 'Traffic');
    const rows = tableRows(traffic);
    expect(rows[0]).toEqual([
      'phase',
      'sent',
      'ok',
      'errors',
      'error ratio',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'throughput',
    ]);
    expect(rows[1]).toEqual([
      '`baseline`',
      '200',
      '200',
      '0',
      '0.00%',
      '9.5',
      '12.3',
      '20.0',
      '31.7',
      '20.0/s',
    ]);
    expect(rows[2]).toEqual([
      '`fault`',
      '600',
      '588',
      '12',
      '2.00%',
      '40.1',
      '120.4',
      '300.9',
      '512.9',
      '20.0/s',
    ]);
    expect(traffic).toContain('Engine `undici`, open model: 1300 sent');
    expect(traffic).not.toContain('saturated');
  });

  it('says a closed-model run measured latency from the actual send, without coordinated-omission correction', () => {
    expect(md).not.toContain('closed-model');
    const o = sampleOutcome();
    o.traffic!.model = 'closed';
    o.traffic!.engine = 'firedrill-closed';
    const text = buildSummaryMarkdown(o);
    expect(text.split('\n')[2]).toContain(
      'The firedrill-closed engine (closed model: fixed concurrency, latency from each actual send) sent 1300',
    );
    const traffic = section(text, 'Traffic');
    expect(traffic).toContain('Engine `firedrill-closed`, closed model: 1300 sent');
    expect(traffic).toContain('Latency of the whole run from each request’s actual send: p50 11.0 ms');
    expect(traffic).not.toContain('intended start');
    expect(traffic).toContain('> **Note:** this was a closed-model run (fixed concurrency)');
    expect(traffic).toContain('no coordinated-omission correction is applied');
  });

  it('adds a wrong-answer column when some phase checked responses ("—" for one that did not)', () => {
    const o = sampleOutcome();
    o.phases.fault = { ...o.phases.fault!, ok: 582, completed: 600, wrongAnswers: 6, wrongAnswerRatio: 0.01 };
    const rows = tableRows(section(buildSummaryMarkdown(o), 'Traffic'));
    expect(rows[0]?.slice(4, 7)).toEqual(['error ratio', 'wrong answers', 'p50 ms']);
    expect(rows[1]?.[5]).toBe('—');
    expect(rows[2]?.slice(2, 6)).toEqual(['582', '12', '2.00%', '6 (1.00%)']);
  });

  it('adds a streaming table (TTFT, ITL, TPOT, tokens/s) for phases that streamed, and none otherwise', () => {
    expect(md).not.toContain('### Streaming');
    const o = sampleOutcome();
    const l = (p50: number, p99: number) => ({ p50, p90: p99, p99, max: p99, count: 10 });
    o.phases.fault = {
      ...o.phases.fault!,
      streaming: {
        ttftMs: l(180.2, 951.4),
        itlMs: l(20, 61.5),
        tpotMs: l(22.1, 70.3),
        outputTokens: 3400,
        outputTokensPerSecond: 113.33,
        streams: 400,
      },
    };
    const text = section(buildSummaryMarkdown(o), 'Traffic');
    const streaming = text.slice(text.indexOf('### Streaming'));
    const rows = tableRows(streaming);
    expect(rows[0]).toEqual([
      'phase',
      'streams',
      'TTFT p50 ms',
      'TTFT p99 ms',
      'ITL p99 ms',
      'TPOT p50 ms',
      'TPOT p99 ms',
      'tokens/s',
    ]);
    expect(rows).toHaveLength(2); // baseline streamed nothing: no row
    expect(rows[1]).toEqual(['`fault`', '400', '180.2', '951.4', '61.5', '22.1', '70.3', '113.3']);
  });

  it('notes when the load generator was saturated', () => {
    const o = sampleOutcome();
    o.traffic!.saturated = true;
    const traffic = section(buildSummaryMarkdown(o), 'Traffic');
    expect(traffic).toContain('fell behind its schedule');
    expect(traffic).toContain('describe the generator, not the server');
    // Late sends with a loop that kept up: the host's CPU, not the generator.
    o.traffic!.late = 75;
    o.traffic!.loopLagP99Ms = 1.3;
    const hostBound = section(buildSummaryMarkdown(o), 'Traffic');
    expect(hostBound).toContain('75 of 1300 sends left more than 1 ms late');
    expect(hostBound).toContain('event-loop lag p99 1.3 ms');
    expect(hostBound).toContain('the delays came from waiting for a CPU: the host is busy');
    expect(hostBound).not.toContain('describe the generator, not the server');
  });

  it('lists warnings', () => {
    expect(section(md, 'Warnings')).toContain(
      '- scrape interval 1s is longer than half of the shortest budget',
    );
  });

  it('says why an errored run with nothing judged ended, and warns about unreverted faults', () => {
    const o = sampleOutcome();
    o.verdict = 'errored';
    o.exitCode = 12;
    o.reason = 'fault f1 could not be reverted';
    o.expectations = [];
    o.traffic = null;
    o.phases = {};
    o.faults[0]!.revertedAt = null;
    o.faults[0]!.revertError = 'kill -CONT 4242: no such process';
    o.faults[0]!.cleanupHint = 'firedrill recover reports/x';
    const text = buildSummaryMarkdown(o);
    expect(text.split('\n')[0]).toBe('# firedrill: latency-spike — errored');
    expect(text).toContain('Reason: fault f1 could not be reverted');
    expect(text).toContain('**1 could not be reverted**');
    expect(text).toContain('clean up with `firedrill recover reports/x`');
    expect(section(text, 'Expectations')).toContain('No expectation was judged.');
    expect(section(text, 'Traffic')).toContain('No traffic was sent.');
    expect(tableRows(section(text, 'Faults'))[1]?.[5]).toBe('—');
  });

  it('ends with exactly one newline', () => {
    expect(md.endsWith('\n')).toBe(true);
    expect(md.endsWith('\n\n')).toBe(false);
  });
});
