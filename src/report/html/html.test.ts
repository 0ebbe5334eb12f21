import { describe, expect, it } from 'vitest';
import { at, nasty, sampleOutcome, second, t0 } from '../testing.ts';
import type { RunOutcome } from '../types.ts';
import { buildRunView } from '../view.ts';
import { attrs, escapeHtml, hrefOf } from './escape.ts';
import { htmlPage, htmlTable } from './page.ts';
import { failuresFirst, renderRunHtml, WINDOW_MIDDLE_MS } from './run-report.ts';
import { niceTicks, svgTimeSeries } from './svg.ts';

/** Every element of `html` with `attr="value"`, as its attribute map (the renderer writes `name="value"`). */
function elements(html: string, attr: string, value?: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const match of html.matchAll(/<([a-z]+)((?:\s[a-zA-Z0-9-]+="[^"]*")*)\s*\/?>/g)) {
    const map: Record<string, string> = { tag: match[1]! };
    for (const a of match[2]!.matchAll(/\s([a-zA-Z0-9-]+)="([^"]*)"/g)) map[a[1]!] = a[2]!;
    if (attr in map && (value === undefined || map[attr] === value)) out.push(map);
  }
  return out;
}

/** The sequence of tag names in a document: what markup injection would change. */
function tags(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase());
}

/** The <svg> of the chart named `name`. */
function chart(html: string, name: string): string {
  const start = html.lastIndexOf('<svg', html.indexOf(`data-chart="${name}"`));
  return html.slice(start, html.indexOf('</svg>', start));
}

/** The x scale a chart wrote on its <svg>: pixel → data, and the data units of one pixel. */
function scaleOf(svg: string): { time: (px: number) => number; perPx: number } {
  const [root] = elements(svg, 'data-x0');
  const x0 = Number(root!['data-x0']);
  const perPx = (Number(root!['data-x1']) - x0) / Number(root!['data-plot-width']);
  return { time: (px) => x0 + (px - Number(root!['data-plot-left'])) * perPx, perPx };
}

/** The one tick of `mark` ('predicted' or 'floor') for an expectation: its <g>, its drawn line, its markup. */
function tick(svg: string, expectation: string, mark: string) {
  const found = elements(svg, 'data-mark', mark).filter((g) => g['data-expectation'] === expectation);
  expect(found).toHaveLength(1);
  const g = found[0]!;
  const start = svg.indexOf(`data-mark="${mark}"`, svg.indexOf(`data-expectation="${expectation}"`));
  const body = svg.slice(svg.lastIndexOf('<g ', start), svg.indexOf('</g>', start));
  const [line] = elements(body, 'class', 'tick-line');
  return { g, line: line!, body };
}

/**
 * The sample with its first expectation made a predicted alert-fires on ModelLatencyHigh after f1 (injected
 * at 12.3s; floor 2s; measured 2.8s), predicted `predictedMs` after the injection (null: never).
 */
function predictedOutcome(predictedMs: number | null): RunOutcome {
  const o = sampleOutcome();
  o.expectations[0] = {
    ...o.expectations[0]!,
    alert: 'ModelLatencyHigh',
    labels: {},
    faultId: 'f1',
    faultKind: 'gpu-throttle',
    predictedMs,
  };
  o.predictions = [
    {
      expectationId: 'latency-alert-fires',
      alert: 'ModelLatencyHigh',
      measure: 'firing',
      faultId: 'f1',
      shape: 'plain-ratio',
      errorRatio: 0.1,
      minErrorRatio: 0.072,
      windowsMs: [60_000],
      crossingMs: predictedMs,
      predictedMs,
      toleranceMs: 2000,
      earlyToleranceMs: 500,
      explanation: 'ratio over 1m > 7.2% after 43.2s',
    },
  ];
  return o;
}

describe('svgTimeSeries', () => {
  it('maps x values to pixels through the domain and writes the scale it used', () => {
    const svg = svgTimeSeries({
      bars: [{ lane: 'a', from: 1250, to: 1500, label: 'bar', color: '#000', attrs: { 'data-id': 'b1' } }],
      marks: [{ lane: 'a', at: 1750, label: 'mark', color: '#000', attrs: { 'data-id': 'm1' } }],
      series: [
        {
          name: 's',
          color: '#000',
          points: [
            { x: 1000, y: 0 },
            { x: 1500, y: 10 },
            { x: 1600, y: null },
            { x: 2000, y: 5 },
          ],
        },
      ],
      xDomain: [1000, 2000],
      yDomain: [0, 10],
      width: 1100,
      height: 100,
      marginLeft: 64,
      xLabel: 'x',
      yLabel: 'y',
    });
    // Plot width = 1100 - 64 (left) - 16 (right) = 1020 px for 1000 units.
    const [root] = elements(svg, 'data-x0');
    expect(root).toMatchObject({
      'data-x0': '1000',
      'data-x1': '2000',
      'data-plot-left': '64',
      'data-plot-width': '1020',
    });
    const [bar] = elements(svg, 'data-id', 'b1');
    expect(Number(bar!.x)).toBeCloseTo(64 + 0.25 * 1020, 2);
    expect(Number(bar!.width)).toBeCloseTo(0.25 * 1020, 2);
    const [mark] = elements(svg, 'data-id', 'm1');
    expect(Number(mark!['data-x'])).toBeCloseTo(64 + 0.75 * 1020, 2);
    // The null point breaks the line: two sub-paths, three drawn points, y=10 at the top of the plot.
    const [path] = elements(svg, 'data-series', 's');
    expect(path!['data-points']).toBe('3');
    const top = Number(root!['data-plot-top']);
    expect(path!.d).toBe(`M64 ${top + 100} L574 ${top} M1084 ${top + 50}`);
  });

  it('draws reference lines and points in the value plot (the capacity report’s SLO and found point)', () => {
    const svg = svgTimeSeries({
      hlines: [{ y: 250, label: 'SLO p99 250 ms', color: 'red', attrs: { 'data-slo': 'p99' } }],
      points: [{ x: 40, y: 240, label: 'found 40 req/s', color: 'green', attrs: { 'data-found': '40' } }],
      xDomain: [0, 100],
      yDomain: [0, 500],
      xLabel: 'req/s',
      yLabel: 'p99 ms',
    });
    const [root] = elements(svg, 'data-y0');
    const top = Number(root!['data-plot-top']);
    const height = Number(root!['data-plot-height']);
    const [slo] = elements(svg, 'data-slo', 'p99');
    expect(Number(slo!.y1)).toBeCloseTo(top + height / 2, 2);
    const [found] = elements(svg, 'data-found', '40');
    expect(Number(found!.cx)).toBeCloseTo(64 + 0.4 * Number(root!['data-plot-width']), 2);
  });

  it('draws tick marks across their lane, captioned left of the tick unless too near the plot’s left edge', () => {
    const svg = svgTimeSeries({
      bars: [{ lane: 'a', from: 0, to: 1000, label: 'bar', color: '#000' }],
      marks: [
        {
          lane: 'a',
          at: 50,
          shape: 'tick',
          text: 'early',
          label: 'e',
          color: '#123',
          attrs: { 'data-id': 'e' },
        },
        { lane: 'a', at: 900, shape: 'tick', dashed: true, text: 'late', label: 'l', color: '#123' },
        { lane: 'a', at: 500, shape: 'tick', label: 'plain', color: '#456', attrs: { 'data-id': 'p' } },
      ],
      xDomain: [0, 1000],
      width: 1100,
      marginLeft: 64,
      xLabel: 'x',
      yLabel: 'y',
    });
    expect(Number(elements(svg, 'data-id', 'e')[0]!['data-x'])).toBeCloseTo(64 + 51, 2);
    expect(svg).toMatch(/<text x="119" y="22" style="fill: #123"[^>]*>early<\/text>/);
    expect(svg).toMatch(/<text x="978" y="22" text-anchor="end" style="fill: #123"[^>]*>late<\/text>/);
    // Lane a spans y 8..28: the tick runs across it; an uncaptioned tick has no cap and no text.
    const [plain] = elements(svg, 'data-id', 'p');
    const body = svg.slice(svg.indexOf('data-id="p"'), svg.indexOf('</g>', svg.indexOf('data-id="p"')));
    expect(plain!['data-lane']).toBe('a');
    expect(body).toContain('y1="9" y2="27"');
    expect(body).not.toMatch(/<text|<path/);
  });

  it('picks round ticks', () => {
    expect(niceTicks(0, 60, 6)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('escaping', () => {
  it('escapes text and attribute values, refuses odd attribute names, and keeps links relative', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;',
    );
    expect(attrs({ 'data-a': '"><script>' })).toBe(' data-a="&quot;&gt;&lt;script&gt;"');
    expect(() => attrs({ 'onload="x" a': '1' })).toThrow(/not an attribute name/);
    expect(hrefOf('javascript:alert(1)')).toBe('javascript%3Aalert(1)');
    expect(hrefOf('runs/a b/"x"')).toBe('runs/a%20b/%22x%22');
  });

  it('lets no alert name, label value, detail or scenario text add markup or attributes to the run page', () => {
    const evil = `"><img src=x onerror=alert(1)><script>alert(2)</script>`;
    const benign = 'x'.repeat(evil.length);
    const page = (text: string) => {
      const o = sampleOutcome();
      o.scenario.name = text;
      o.scenario.description = text;
      o.alerts = o.alerts.map((a) => ({
        ...a,
        name: `${a.name}${text}`,
        labels: { ...a.labels, [text]: text },
      }));
      o.faults = o.faults.map((f) => ({ ...f, id: text, kind: text }));
      o.stages = o.stages.map((s) => ({ ...s, name: text }));
      o.expectations = o.expectations.map((e) => ({ ...e, id: `${e.id}${text}`, detail: text }));
      o.warnings = [text];
      return renderRunHtml(buildRunView(o));
    };
    const attacked = page(evil);
    expect(tags(attacked)).toEqual(tags(page(benign)));
    expect(attacked).not.toMatch(/<script|<img/i);
    expect(attacked).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // The sample's own label value `resnet<&"'>` and detail survive as text.
    expect(renderRunHtml(buildRunView(sampleOutcome()))).toContain(escapeHtml(nasty));
  });

  it('builds a page and a table with no external resource', () => {
    const html = htmlPage({
      title: 'a <b>',
      body: htmlTable({ head: ['h<'], rows: [{ cells: ['c&', { html: '<em>x</em>' }] }] }),
    });
    expect(html).toContain('<title>a &lt;b&gt;</title>');
    expect(html).toContain('<th>h&lt;</th>');
    expect(html).toContain('<td>c&amp;</td><td><em>x</em></td>');
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
  });
});

describe('renderRunHtml', () => {
  it('puts failures first, then inconclusive, then passed, in judged order within each', () => {
    const o = sampleOutcome();
    expect(failuresFirst(o.expectations).map((e) => e.verdict)).toEqual(['failed', 'inconclusive', 'passed']);
    const html = renderRunHtml(buildRunView(o));
    expect(elements(html, 'data-expectation').map((r) => r['data-expectation'])).toEqual([
      'errors-stay-silent',
      'latency-alert-resolves',
      'latency-alert-fires',
    ]);
  });

  it('shows a predicted column only when an expectation has a prediction ("never" when it cannot fire)', () => {
    const o = sampleOutcome();
    expect(renderRunHtml(buildRunView(o))).not.toContain('<th>predicted</th>');
    const predicted: RunOutcome = {
      ...o,
      expectations: o.expectations.map((e, i) => (i === 0 ? { ...e, predictedMs: 43_200 } : e)),
    };
    const html = renderRunHtml(buildRunView(predicted));
    expect(html).toContain('<th>predicted</th>');
    expect(html).toContain('<td class="num" data-predicted="true">43.2s</td>');
    const never: RunOutcome = {
      ...o,
      expectations: o.expectations.map((e, i) => (i === 0 ? { ...e, predictedMs: null } : e)),
    };
    expect(renderRunHtml(buildRunView(never))).toContain('<td class="num" data-predicted="true">never</td>');
  });

  it('draws the predicted detection time as a dashed tick on the alert’s lane, at injection + predictedMs', () => {
    const o = predictedOutcome(43_200);
    const html = renderRunHtml(buildRunView(o));
    const timeline = chart(html, 'timeline');
    const timeOf = scaleOf(timeline);
    const predicted = tick(timeline, 'latency-alert-fires', 'predicted');
    // Read back through the drawn scale: the pixel turns into the injection (12.3s) + 43.2s.
    expect(Math.abs(timeOf.time(Number(predicted.g['data-x'])) - (at(12.3) + 43_200))).toBeLessThanOrEqual(
      timeOf.perPx / 2,
    );
    expect(Number(predicted.line.x1)).toBe(Number(predicted.g['data-x']));
    expect(predicted.line['stroke-dasharray']).toBeDefined();
    expect(predicted.g['data-predicted-ms']).toBe('43200');
    expect(predicted.body).toContain('>predicted 43.2s</text>');
    expect(predicted.body).toContain(
      '<title>ModelLatencyHigh predicted to fire 43.2s after fault f1 was injected (+55.5s) (agrees when measured between 42.7s and 45.2s); measured 2.8s. ratio over 1m &gt; 7.2% after 43.2s</title>',
    );
    // On the row of the alert's measured episode: the same lane as its firing bar.
    const firing = elements(timeline, 'data-episode', '0').find((e) => e['data-state'] === 'firing')!;
    expect(predicted.g['data-lane']).toBe(
      'alert ModelLatencyHigh{model=&quot;resnet50&quot;,severity=&quot;page&quot;}',
    );
    expect(Number(predicted.line.y1) - 1).toBe(Number(firing.y) - 3);
    // The floor beside it: a solid tick at injection + floorMs (2s), same lane.
    const floor = tick(timeline, 'latency-alert-fires', 'floor');
    expect(Math.abs(timeOf.time(Number(floor.g['data-x'])) - (at(12.3) + 2000))).toBeLessThanOrEqual(
      timeOf.perPx / 2,
    );
    expect(floor.line['stroke-dasharray']).toBeUndefined();
    expect(floor.line.y1).toBe(predicted.line.y1);
    expect(html).toContain('class="dashed-tick" style="--c: #6a1b9a">predicted detection</span>');
    expect(html).toContain('class="tick" style="--c: #52606d">detection floor</span>');
  });

  it('widens the time axis to a prediction after the run’s end, captions it leftward, and skips "never"', () => {
    const late = renderRunHtml(buildRunView(predictedOutcome(60_000)));
    const timeline = chart(late, 'timeline');
    const timeOf = scaleOf(timeline);
    const predicted = tick(timeline, 'latency-alert-fires', 'predicted');
    // 12.3s + 60s is after the run's end (65.4s): the axis reaches it instead of clamping it to the edge.
    expect(Number(elements(timeline, 'data-x1')[0]!['data-x1'])).toBe(at(72.3));
    expect(Math.abs(timeOf.time(Number(predicted.g['data-x'])) - at(72.3))).toBeLessThanOrEqual(timeOf.perPx);
    expect(predicted.body).toMatch(/<text [^>]*text-anchor="end"[^>]*>predicted 1m<\/text>/);

    const never = renderRunHtml(buildRunView(predictedOutcome(null)));
    expect(elements(never, 'data-mark', 'predicted')).toHaveLength(0);
    expect(elements(never, 'data-mark', 'floor')).toHaveLength(1);
    expect(never).not.toContain('predicted detection</span>');
    // No expectation tied to a fault (the plain sample): no tick, no legend entry.
    const plain = renderRunHtml(buildRunView(sampleOutcome()));
    expect(elements(plain, 'data-mark')).toHaveLength(0);
    expect(plain).not.toContain('detection floor</span>');
  });

  it('gives an expected alert that never went pending a lane of its own for its prediction', () => {
    const o = predictedOutcome(8000);
    o.expectations[0] = { ...o.expectations[0]!, alert: 'ModelServerDown', labels: { severity: 'page' } };
    o.predictions = o.predictions.map((p) => ({ ...p, alert: 'ModelServerDown' }));
    const timeline = chart(renderRunHtml(buildRunView(o)), 'timeline');
    const predicted = tick(timeline, 'latency-alert-fires', 'predicted');
    // (Attribute values are read back as written: quotes escaped.)
    const lane = 'alert ModelServerDown{severity=&quot;page&quot;}';
    expect(predicted.g['data-lane']).toBe(lane);
    expect(elements(timeline, 'data-lane', lane).map((e) => e.class)).toEqual(['lane', 'tick', 'tick']);
    const timeOf = scaleOf(timeline);
    expect(Math.abs(timeOf.time(Number(predicted.g['data-x'])) - at(20.3))).toBeLessThanOrEqual(timeOf.perPx);
  });

  it('draws one bar per fault and per alert state, at the recorded times, on one time scale', () => {
    const o = sampleOutcome();
    const html = renderRunHtml(buildRunView(o));
    const chart = (name: string) => {
      const start = html.lastIndexOf('<svg', html.indexOf(`data-chart="${name}"`));
      return html.slice(start, html.indexOf('</svg>', start));
    };
    const timeline = chart('timeline');
    const [root] = elements(timeline, 'data-x0');
    const x0 = Number(root!['data-x0']);
    const perPx = (Number(root!['data-x1']) - x0) / Number(root!['data-plot-width']);
    const timeOf = (px: number) => x0 + (px - Number(root!['data-plot-left'])) * perPx;

    const faultBars = elements(timeline, 'data-fault-id').filter((e) => e.class === 'bar');
    expect(faultBars).toHaveLength(1);
    expect(faultBars[0]!['data-start-ms']).toBe(String(at(12.3)));
    expect(timeOf(Number(faultBars[0]!.x))).toBeCloseTo(at(12.3), -1);
    expect(timeOf(Number(faultBars[0]!.x) + Number(faultBars[0]!.width))).toBeCloseTo(at(42.3), -1);

    // ModelLatencyHigh: pending 13.0 → firing 15.1, firing to the end (never resolved), notified at 15.6.
    const episode0 = elements(timeline, 'data-episode', '0');
    const pending = episode0.find((e) => e['data-state'] === 'pending')!;
    expect(timeOf(Number(pending.x))).toBeCloseTo(at(13.0), -1);
    expect(timeOf(Number(pending.x) + Number(pending.width))).toBeCloseTo(at(15.1), -1);
    const firing = episode0.find((e) => e['data-state'] === 'firing')!;
    expect(firing['data-open']).toBe('true');
    expect(timeOf(Number(firing.x))).toBeCloseTo(at(15.1), -1);
    expect(timeOf(Number(episode0.find((e) => e['data-state'] === 'notified')!['data-x']))).toBeCloseTo(
      at(15.6),
      -1,
    );
    // ModelErrorRateHigh resolved at 50.25: its firing bar ends there and a resolved mark sits there.
    const episode1 = elements(timeline, 'data-episode', '1');
    const firing1 = episode1.find((e) => e['data-state'] === 'firing')!;
    expect(timeOf(Number(firing1.x) + Number(firing1.width))).toBeCloseTo(at(50.25), -1);
    expect(episode1.filter((e) => e['data-state'] === 'notified')).toHaveLength(0);
    expect(episode1.filter((e) => e['data-state'] === 'resolved')).toHaveLength(1);

    // The latency chart shares the scale; its first point is the middle of the first second.
    const latency = chart('latency');
    expect(elements(latency, 'data-x0')[0]!['data-x0']).toBe(root!['data-x0']);
    const [p99] = elements(latency, 'data-series', 'p99');
    expect(p99!['data-points']).toBe('2'); // the third second had no ok answer
    const firstX = Number(/^M([\d.]+)/.exec(p99!.d!)![1]);
    expect(timeOf(firstX)).toBeCloseTo(at(12) + WINDOW_MIDDLE_MS, -1);
  });

  it('renders a run that sent no traffic', () => {
    const o: RunOutcome = { ...sampleOutcome(), seconds: [], traffic: null, phases: {} };
    const html = renderRunHtml(buildRunView(o));
    expect(html).toContain('No traffic was sent');
    expect(elements(html, 'data-chart', 'latency')).toHaveLength(0);
  });

  it('keeps a 10-minute run (600 seconds, several faults and alerts) under 1 MB, every second drawn', () => {
    const o = sampleOutcome();
    o.endedAt = at(660);
    o.stages = [
      { name: 'steady', kind: 'constant', startAt: t0, endAt: at(600), rateFrom: 200, rateTo: 200 },
    ];
    o.seconds = Array.from({ length: 600 }, (_, s) =>
      second(s, {
        intended: 200,
        sent: 200,
        completed: 199,
        errors: s % 7,
        errorRatio: (s % 7) / 199,
        late: s % 13,
        p50Ms: 10 + (s % 50) * 1.234,
        p99Ms: 100 + (s % 90) * 3.21,
      }),
    );
    o.faults = Array.from({ length: 6 }, (_, i) => ({
      ...o.faults[0]!,
      id: `f${i}`,
      injectedAt: at(60 + i * 90),
      landedAt: at(61 + i * 90),
      revertedAt: at(120 + i * 90),
    }));
    o.alerts = Array.from({ length: 24 }, (_, i) => ({
      name: `Alert${i % 8}`,
      labels: { severity: 'page', model: 'resnet50', instance: `127.0.0.1:${9000 + i}` },
      pendingAt: at(65 + i * 22),
      firingAt: at(70 + i * 22),
      notifiedAt: at(71 + i * 22),
      resolvedAt: at(90 + i * 22),
      endedAt: at(90 + i * 22),
      source: 'alerts-series' as const,
    }));
    o.expectations = Array.from({ length: 30 }, (_, i) => ({ ...o.expectations[i % 3]!, id: `e${i}` }));
    const html = renderRunHtml(buildRunView(o));
    expect(Buffer.byteLength(html)).toBeLessThan(1_000_000);
    for (const name of ['p50', 'p99', 'error ratio', 'offered', 'sent', 'achieved', 'late']) {
      expect(elements(html, 'data-series', name)[0]!['data-points'], name).toBe('600');
    }
    expect(elements(html, 'data-fault-id').filter((e) => e.tag === 'rect' && e.class === 'bar')).toHaveLength(
      6,
    );
    expect(elements(html, 'data-state', 'firing')).toHaveLength(24);
  });
});
