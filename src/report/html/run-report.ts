/**
 * report.html for one run: a pure function of the run view. The timeline (stages, faults, each alert
 * episode's pending → firing → resolved with its notification), the client's view per second (latency p50/p99,
 * error ratio, offered vs achieved rate and late sends) on the same time axis, then the expectations table
 * (failures first), faults, alerts and traffic. Every drawn element carries its data as attributes
 * (data-fault-id, data-alert, data-episode, data-state, data-start-ms, data-end-ms, data-at-ms; epoch ms), so a
 * browser test reads the page back and compares it with run.json. Each alert-fires expectation's detection
 * floor and predicted detection time (evaluate/predict.ts) are ticks on its alert's lane (data-mark="floor" or
 * "predicted", data-expectation).
 */
import { formatDuration } from '../../core/duration.ts';
import type { ExpectationResult } from '../../evaluate/types.ts';
import {
  CLOSED_MODEL_NOTE,
  countVerdicts,
  durationOr,
  offset,
  oneLine,
  predictedText,
  rejectionWarning,
} from '../format.ts';
import type { RunOutcome } from '../types.ts';
import type { RunView } from '../view.ts';
import { escapeHtml } from './escape.ts';
import { htmlLegend, htmlPage, htmlTable, palette } from './page.ts';
import {
  type ChartBand,
  type ChartBar,
  type ChartMark,
  type ChartSeries,
  niceTicks,
  svgTimeSeries,
  type TimeSeriesChart,
} from './svg.ts';

/** Left margin shared by every chart of the page, so their time axes line up under the lane names. */
const MARGIN_LEFT = 230;
/** A per-second point is drawn at the middle of its one-second window. */
export const WINDOW_MIDDLE_MS = 500;

const verdictRank: Record<ExpectationResult['verdict'], number> = { failed: 0, inconclusive: 1, passed: 2 };

/** The expectations in report order: failed, then inconclusive, then passed; judged order within each. */
export function failuresFirst(expectations: readonly ExpectationResult[]): ExpectationResult[] {
  return expectations
    .map((e, index) => ({ e, index }))
    .sort((a, b) => verdictRank[a.e.verdict] - verdictRank[b.e.verdict] || a.index - b.index)
    .map(({ e }) => e);
}

/** `Name{k="v",…}` without the alertname label (it is the name). */
export function alertTitle(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels)
    .filter(([k]) => k !== 'alertname')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`);
  return pairs.length > 0 ? `${name}{${pairs.join(',')}}` : name;
}

/**
 * An alert-fires expectation placed on the run's clock: the fault's injection, and from it the predicted
 * detection (injection + predictedMs) and the detection floor (injection + floorMs); epoch ms, null where the
 * expectation has none. `measure` is what the times are of (the firing, or the webhook notification).
 */
interface DetectionTimes {
  expectation: ExpectationResult;
  alert: string;
  faultId: string;
  injectedAt: number;
  predictedAt: number | null;
  floorAt: number | null;
  measure: 'firing' | 'notified';
  /** The floor's parts ("scrape 1s, eval 1s, for 2s, group_wait 0s"), when the floor is known. */
  floorExplanation: string | null;
}

/** Every alert-fires expectation whose fault was injected and that has a prediction or a floor to draw. */
function detectionTimes(o: RunOutcome): DetectionTimes[] {
  const out: DetectionTimes[] = [];
  for (const e of o.expectations) {
    if (e.kind !== 'alert-fires') continue;
    const prediction = o.predictions.find((p) => p.expectationId === e.id);
    const faultId = e.faultId ?? prediction?.faultId;
    const injectedAt = o.faults.find((f) => f.id === faultId)?.injectedAt ?? null;
    if (faultId === undefined || injectedAt === null) continue;
    const predicted = typeof e.predictedMs === 'number' ? e.predictedMs : null;
    if (predicted === null && e.floorMs === null) continue;
    const alert = e.alert ?? prediction?.alert ?? e.subject;
    const floor = o.floors.find((f) => f.alert === alert && f.floorMs === e.floorMs);
    out.push({
      expectation: e,
      alert,
      faultId,
      injectedAt,
      predictedAt: predicted === null ? null : injectedAt + predicted,
      floorAt: e.floorMs === null ? null : injectedAt + e.floorMs,
      measure: prediction?.measure ?? floor?.measure ?? 'firing',
      floorExplanation: floor?.explanation ?? null,
    });
  }
  return out;
}

/** The time span the page draws: traffic start to run end, widened to anything recorded or predicted outside it. */
export function timeDomain(o: RunOutcome): [number, number] {
  const times = [
    o.startedAt,
    o.endedAt,
    ...o.stages.flatMap((s) => [s.startAt, s.endAt]),
    ...o.seconds.map((s) => s.startAt + 1000),
    ...o.faults.flatMap((f) => [f.injectedAt, f.landedAt, f.revertedAt]),
    ...o.alerts.flatMap((a) => [a.pendingAt, a.firingAt, a.notifiedAt, a.resolvedAt, a.endedAt ?? null]),
    ...detectionTimes(o).flatMap((d) => [d.predictedAt, d.floorAt]),
  ].filter((t): t is number => t !== null && Number.isFinite(t));
  return [Math.min(...times), Math.max(...times)];
}

/**
 * The timeline lane of the alert an expectation is about: the lane of the episode the judge measures (the
 * first one, by firing, that matches the expectation's name and labels and fired at or after the
 * injection), else of any matching episode; an alert with no episode gets a lane of its own.
 */
function expectedAlertLane(o: RunOutcome, d: DetectionTimes): string {
  const wanted = d.expectation.labels ?? {};
  const matching = o.alerts.filter(
    (a) => a.name === d.alert && Object.entries(wanted).every(([k, v]) => a.labels[k] === v),
  );
  const attributable = matching
    .filter((a) => a.firingAt !== null && a.firingAt >= d.injectedAt)
    .sort((a, b) => (a.firingAt as number) - (b.firingAt as number));
  const episode = attributable[0] ?? matching[0];
  return `alert ${episode ? alertTitle(episode.name, episode.labels) : alertTitle(d.alert, wanted)}`;
}

/**
 * Per alert-fires expectation, on its alert's lane: a dashed tick at the predicted detection time (captioned
 * "predicted 43.2s") and a solid tick at the detection floor, beside the measured firing bar.
 */
function detectionMarks(o: RunOutcome): ChartMark[] {
  const marks: ChartMark[] = [];
  for (const d of detectionTimes(o)) {
    const e = d.expectation;
    const lane = expectedAlertLane(o, d);
    const verb = d.measure === 'notified' ? 'be notified' : 'fire';
    const after = `after fault ${d.faultId} was injected`;
    const measured = e.measuredMs === null ? 'not measured' : `measured ${formatDuration(e.measuredMs)}`;
    const common = { 'data-expectation': e.id, 'data-alert': d.alert, 'data-fault-id': d.faultId };
    if (d.floorAt !== null) {
      marks.push({
        lane,
        at: d.floorAt,
        shape: 'tick',
        label: `${d.alert} detection floor ${durationOr(e.floorMs, '-')} ${after} (${offset(d.floorAt, o.startedAt)}): the earliest it can ${verb}${d.floorExplanation === null ? '' : ` (${d.floorExplanation})`}; ${measured}`,
        color: palette.floor,
        attrs: { ...common, 'data-mark': 'floor', 'data-at-ms': d.floorAt },
      });
    }
    if (d.predictedAt !== null) {
      const prediction = o.predictions.find((p) => p.expectationId === e.id);
      const predictedMs = d.predictedAt - d.injectedAt;
      const window = prediction
        ? ` (agrees when measured between ${durationOr(predictedMs - (prediction.earlyToleranceMs ?? 0), '-')} and ${durationOr(predictedMs + prediction.toleranceMs, '-')})`
        : '';
      marks.push({
        lane,
        at: d.predictedAt,
        shape: 'tick',
        dashed: true,
        text: `predicted ${formatDuration(predictedMs)}`,
        label: `${d.alert} predicted to ${verb} ${formatDuration(predictedMs)} ${after} (${offset(d.predictedAt, o.startedAt)})${window}; ${measured}${prediction ? `. ${prediction.explanation}` : ''}`,
        color: palette.predicted,
        attrs: {
          ...common,
          'data-mark': 'predicted',
          'data-at-ms': d.predictedAt,
          'data-predicted-ms': predictedMs,
        },
      });
    }
  }
  return marks;
}

function spanAttrs(from: number, to: number | null): Record<string, string | number> {
  return to === null
    ? { 'data-start-ms': from, 'data-end-ms': '', 'data-open': 'true' }
    : { 'data-start-ms': from, 'data-end-ms': to };
}

/** Faults (and blind periods) shaded on every chart. */
function backgroundBands(o: RunOutcome, end: number): ChartBand[] {
  const bands: ChartBand[] = [];
  for (const f of o.faults) {
    if (f.injectedAt === null) continue;
    bands.push({
      from: f.injectedAt,
      to: f.revertedAt ?? end,
      label: `fault ${f.id} (${f.kind}) ${offset(f.injectedAt, o.startedAt)} → ${offset(f.revertedAt, o.startedAt, 'not reverted')}`,
      color: palette.faultBand,
      attrs: { 'data-band': 'fault', 'data-fault-id': f.id },
    });
  }
  for (const b of o.blind) {
    bands.push({
      from: b.fromAt,
      to: b.toAt,
      label: `${b.backend} unreachable ${offset(b.fromAt, o.startedAt)} → ${offset(b.toAt, o.startedAt)}: ${b.reason}`,
      color: 'rgba(96, 125, 139, 0.18)',
      attrs: { 'data-band': 'blind', 'data-backend': b.backend },
    });
  }
  return bands;
}

/** The Gantt part: stages, faults, alert episodes. */
function timelineItems(o: RunOutcome, end: number): { bars: ChartBar[]; marks: ChartMark[] } {
  const bars: ChartBar[] = [];
  const marks: ChartMark[] = [];
  const at = (t: number | null, missing = '—') => offset(t, o.startedAt, missing);
  for (const s of o.stages) {
    const rate =
      s.rateFrom === null
        ? 'closed model'
        : s.rateFrom === s.rateTo
          ? `${s.rateFrom} req/s`
          : `${s.rateFrom} → ${s.rateTo} req/s`;
    bars.push({
      lane: 'stages',
      from: s.startAt,
      to: s.endAt,
      label: `stage ${s.name} (${s.kind}, ${rate}) ${at(s.startAt)} → ${at(s.endAt)}`,
      color: palette.stage,
      attrs: { 'data-stage': s.name, ...spanAttrs(s.startAt, s.endAt) },
    });
  }
  for (const f of o.faults) {
    if (f.injectedAt === null) continue;
    const lane = `fault ${f.id} (${f.kind})`;
    bars.push({
      lane,
      from: f.injectedAt,
      to: f.revertedAt ?? end,
      label: `fault ${f.id} (${f.kind}, ${f.backend}): injected ${at(f.injectedAt)}, landed ${at(f.landedAt, f.notLandedReason ?? 'not confirmed')}, reverted ${at(f.revertedAt, f.revertError ?? 'not reverted')}`,
      color: f.landedAt === null ? palette.neutral : palette.fault,
      attrs: { 'data-fault-id': f.id, 'data-state': 'injected', ...spanAttrs(f.injectedAt, f.revertedAt) },
    });
    if (f.landedAt !== null) {
      marks.push({
        lane,
        at: f.landedAt,
        label: `fault ${f.id} landed ${at(f.landedAt)}${f.landedEvidence ? `: ${f.landedEvidence}` : ''}`,
        color: palette.failed,
        attrs: { 'data-fault-id': f.id, 'data-state': 'landed', 'data-at-ms': f.landedAt },
      });
    }
  }
  o.alerts.forEach((a, episode) => {
    const title = alertTitle(a.name, a.labels);
    const lane = `alert ${title}`;
    const common = { 'data-alert': a.name, 'data-episode': episode };
    const ended = a.endedAt ?? null;
    if (a.pendingAt !== null) {
      const to = a.firingAt ?? ended;
      bars.push({
        lane,
        from: a.pendingAt,
        to: to ?? end,
        label: `${title} pending ${at(a.pendingAt)} → ${to === null ? 'end of run' : at(to)}`,
        color: palette.pending,
        attrs: { ...common, 'data-state': 'pending', ...spanAttrs(a.pendingAt, to) },
      });
    }
    if (a.firingAt !== null) {
      const to = a.resolvedAt ?? ended;
      bars.push({
        lane,
        from: a.firingAt,
        to: to ?? end,
        label: `${title} firing ${at(a.firingAt)} → ${a.resolvedAt !== null ? `resolved ${at(a.resolvedAt)}` : to === null ? 'still firing at the end' : at(to)}${a.source === 'api' ? ' (times from polling: upper bounds)' : ''}`,
        color: palette.firing,
        attrs: { ...common, 'data-state': 'firing', ...spanAttrs(a.firingAt, to) },
      });
    }
    if (a.resolvedAt !== null) {
      marks.push({
        lane,
        at: a.resolvedAt,
        label: `${title} resolved ${at(a.resolvedAt)}`,
        color: palette.resolved,
        attrs: { ...common, 'data-state': 'resolved', 'data-at-ms': a.resolvedAt },
      });
    }
    if (a.notifiedAt !== null) {
      marks.push({
        lane,
        at: a.notifiedAt,
        label: `${title} notified (webhook) ${at(a.notifiedAt)}`,
        color: palette.notified,
        attrs: { ...common, 'data-state': 'notified', 'data-at-ms': a.notifiedAt },
      });
    }
  });
  return { bars, marks };
}

function perSecond(o: RunOutcome, pick: (s: RunOutcome['seconds'][number]) => number | null) {
  return o.seconds.map((s) => ({ x: s.startAt + WINDOW_MIDDLE_MS, y: pick(s) }));
}

function charts(o: RunOutcome): string {
  const [start, end] = timeDomain(o);
  const bands = backgroundBands(o, end);
  const ticks = niceTicks(0, (end - o.startedAt) / 1000, 12).map((s) => o.startedAt + s * 1000);
  const common: Partial<TimeSeriesChart> & { xLabel: string } = {
    xDomain: [start, end],
    xTicks: ticks,
    marginLeft: MARGIN_LEFT,
    bands,
    formatX: (x) =>
      x === o.startedAt
        ? '0s'
        : x > o.startedAt
          ? `+${formatDuration(x - o.startedAt)}`
          : formatDuration(x - o.startedAt),
    xLabel: 'time since traffic start',
  };
  const { bars, marks } = timelineItems(o, end);
  const detection = detectionMarks(o);
  const drawn = (kind: string) => detection.some((m) => m.attrs?.['data-mark'] === kind);
  const out = [
    '<h2>Timeline</h2>',
    htmlLegend([
      { label: 'stage', color: palette.stage },
      { label: 'fault (injected → reverted; ◆ landed)', color: palette.fault },
      { label: 'alert pending', color: palette.pending },
      { label: 'alert firing', color: palette.firing },
      { label: '◆ resolved', color: palette.resolved },
      { label: '◆ notified', color: palette.notified },
      ...(drawn('floor') ? [{ label: 'detection floor', color: palette.floor, shape: 'tick' as const }] : []),
      ...(drawn('predicted')
        ? [{ label: 'predicted detection', color: palette.predicted, shape: 'dashed-tick' as const }]
        : []),
    ]),
    svgTimeSeries({
      ...common,
      bars,
      marks: [...marks, ...detection],
      yLabel: '',
      attrs: { 'data-chart': 'timeline' },
    }),
  ];
  if (o.seconds.length === 0) {
    out.push('<p class="meta">No traffic was sent: no per-second client view.</p>');
    return out.join('\n');
  }
  const latency: ChartSeries[] = [
    { name: 'p50', points: perSecond(o, (s) => s.p50Ms), color: palette.p50 },
    { name: 'p99', points: perSecond(o, (s) => s.p99Ms), color: palette.p99 },
  ];
  const rates: ChartSeries[] = [
    { name: 'offered', points: perSecond(o, (s) => s.intended), color: palette.offered, dashed: true },
    { name: 'sent', points: perSecond(o, (s) => s.sent), color: palette.p50 },
    { name: 'achieved', points: perSecond(o, (s) => s.completed), color: palette.achieved },
    { name: 'late', points: perSecond(o, (s) => s.late), color: palette.late },
  ];
  const closed = o.traffic?.model === 'closed';
  out.push(
    `<h2>Client latency per second</h2>\n<p class="meta">Latency of ok answers, from each request’s ${closed ? 'actual send' : 'intended start'}; one point per second.</p>`,
    htmlLegend([
      { label: 'p50', color: palette.p50 },
      { label: 'p99', color: palette.p99 },
      { label: 'fault', color: palette.fault },
    ]),
    svgTimeSeries({
      ...common,
      series: latency,
      yLabel: 'ms',
      formatY: (y) => `${Number(y.toPrecision(3))}`,
      attrs: { 'data-chart': 'latency' },
    }),
    '<h2>Error ratio per second</h2>',
    svgTimeSeries({
      ...common,
      series: [{ name: 'error ratio', points: perSecond(o, (s) => s.errorRatio), color: palette.errors }],
      yLabel: 'errors',
      height: 110,
      yDomain: [0, Math.max(0.05, ...o.seconds.map((s) => s.errorRatio)) * 1.1],
      formatY: (y) => `${Number((y * 100).toPrecision(3))}%`,
      attrs: { 'data-chart': 'errors' },
    }),
    '<h2>Offered vs achieved rate</h2>',
    htmlLegend([
      { label: 'offered (schedule)', color: palette.offered },
      { label: 'sent', color: palette.p50 },
      { label: 'achieved (completed)', color: palette.achieved },
      { label: 'late sends (> 1 ms)', color: palette.late },
    ]),
    svgTimeSeries({
      ...common,
      series: rates,
      yLabel: 'req/s',
      height: 130,
      attrs: { 'data-chart': 'rate' },
    }),
  );
  return out.join('\n');
}

function expectationsTable(o: RunOutcome): string {
  if (o.expectations.length === 0) return '<p>(no expectation was judged)</p>';
  // "predicted" only when some expectation has a predicted detection time (as in the CLI table).
  const predicted = o.expectations.some((e) => e.predictedMs !== undefined);
  return htmlTable({
    head: [
      'verdict',
      'expectation',
      'kind',
      'measured',
      ...(predicted ? ['predicted'] : []),
      'budget',
      'floor',
      'detail',
    ],
    attrs: { 'data-table': 'expectations' },
    rows: failuresFirst(o.expectations).map((e) => ({
      className: `row-${e.verdict}`,
      attrs: { 'data-expectation': e.id, 'data-verdict': e.verdict },
      cells: [
        { html: `<span class="badge ${e.verdict}">${escapeHtml(e.verdict)}</span>` },
        e.id,
        e.kind,
        { text: durationOr(e.measuredMs, '-'), className: 'num' },
        ...(predicted
          ? [{ text: predictedText(e.predictedMs), className: 'num', attrs: { 'data-predicted': 'true' } }]
          : []),
        { text: durationOr(e.budgetMs, '-'), className: 'num' },
        { text: durationOr(e.floorMs, '-'), className: 'num' },
        oneLine(e.detail),
      ],
    })),
  });
}

function notes(view: RunView): string[] {
  const o = view.outcome;
  const out: string[] = [];
  if (o.reason !== undefined) out.push(`<p class="warn">${escapeHtml(o.reason)}</p>`);
  for (const f of o.faults) {
    if (f.revertError !== null) {
      out.push(
        `<p class="warn">fault ${escapeHtml(f.id)} NOT reverted: ${escapeHtml(f.revertError)}${f.cleanupHint ? `; clean up with: <code>${escapeHtml(f.cleanupHint)}</code>` : ''}</p>`,
      );
    }
  }
  const forged = o.webhook ? rejectionWarning(o.webhook) : undefined;
  if (forged !== undefined) out.push(`<p class="warn">WARNING: ${escapeHtml(forged)}</p>`);
  if (o.traffic?.model === 'closed') out.push(`<p class="meta">Note: ${escapeHtml(CLOSED_MODEL_NOTE)}.</p>`);
  const g = view.generator;
  if (g?.kind === 'closed-saturated') {
    out.push(
      '<p class="meta">Note: the load generator was saturated; its lag is inside the latency figures.</p>',
    );
  } else if (g) {
    out.push(
      `<p class="meta">Note: the load generator fell behind its schedule: ${g.late} of ${g.sent} sends left more than 1 ms late (max ${escapeHtml(formatDuration(g.maxLateMs))}); ${g.kind === 'behind-host-bound' ? 'its own loop kept up, so the host’s CPU was busy' : 'the generator itself fell behind'}. Latency is measured from the intended start, so the delay is inside the figures.</p>`,
    );
  }
  return out;
}

function faultsTable(o: RunOutcome): string {
  if (o.faults.length === 0) return '<p>(no fault)</p>';
  return htmlTable({
    head: ['fault', 'kind', 'backend', 'injected', 'landed', 'reverted', 'evidence'],
    rows: o.faults.map((f) => ({
      attrs: { 'data-fault-id': f.id },
      cells: [
        f.id,
        f.kind,
        f.backend,
        { text: offset(f.injectedAt, o.startedAt), className: 'num' },
        { text: offset(f.landedAt, o.startedAt), className: 'num' },
        { text: offset(f.revertedAt, o.startedAt), className: 'num' },
        f.landedEvidence ?? f.notLandedReason ?? '',
      ],
    })),
  });
}

function alertsTable(o: RunOutcome): string {
  if (o.alerts.length === 0) return '<p>(no alert went pending or fired)</p>';
  return htmlTable({
    head: ['alert', 'pending', 'firing', 'notified', 'resolved', 'source'],
    rows: o.alerts.map((a, episode) => ({
      attrs: { 'data-alert': a.name, 'data-episode': episode },
      cells: [
        alertTitle(a.name, a.labels),
        { text: offset(a.pendingAt, o.startedAt), className: 'num' },
        { text: offset(a.firingAt, o.startedAt), className: 'num' },
        { text: offset(a.notifiedAt, o.startedAt), className: 'num' },
        { text: offset(a.resolvedAt, o.startedAt), className: 'num' },
        a.source ?? '',
      ],
    })),
  });
}

function trafficTable(o: RunOutcome): string {
  const phases = Object.entries(o.phases);
  if (o.traffic === null || phases.length === 0) return '<p>(no traffic)</p>';
  const t = o.traffic;
  const ms = (n: number) => ({ text: n.toFixed(1), className: 'num' });
  const int = (n: number) => ({ text: String(n), className: 'num' });
  return [
    `<p class="meta">${escapeHtml(`${t.engine}, ${t.model} model: ${t.sent} sent, ${t.completed} completed, ${t.errors} errors (${t.timeouts} timeouts), ${t.dropped} dropped, ${t.late} late (max ${formatDuration(t.maxLateMs)}).`)}</p>`,
    htmlTable({
      head: [
        'phase',
        'seconds',
        'sent',
        'completed',
        'errors',
        'error ratio',
        'req/s',
        'late',
        'p50 ms',
        'p99 ms',
        'max ms',
      ],
      rows: phases.map(([name, p]) => ({
        attrs: { 'data-phase': name },
        cells: [
          name,
          int(p.seconds),
          int(p.sent),
          int(p.completed),
          int(p.errors),
          { text: `${(p.errorRatio * 100).toFixed(2)}%`, className: 'num' },
          { text: p.throughput.toFixed(1), className: 'num' },
          int(p.late),
          ms(p.latencyMs.p50),
          ms(p.latencyMs.p99),
          ms(p.latencyMs.max),
        ],
      })),
    }),
  ].join('\n');
}

/** The run's report.html. */
export function renderRunHtml(view: RunView): string {
  const o = view.outcome;
  const c = countVerdicts(o.expectations);
  const body = [
    `<h1>${escapeHtml(o.scenario.name)} <span class="badge ${escapeHtml(o.verdict)}" data-run-verdict="${escapeHtml(o.verdict)}">${escapeHtml(o.verdict)} (exit ${o.exitCode})</span></h1>`,
    `<p class="meta">${escapeHtml(o.scenario.description)}</p>`,
    `<p class="meta">run ${escapeHtml(o.runId)} · ${escapeHtml(new Date(o.startedAt).toISOString())} · ${escapeHtml(formatDuration(o.endedAt - o.startedAt))} · ${c.passed} passed, ${c.failed} failed, ${c.inconclusive} inconclusive · Prometheus ${escapeHtml(o.stack.prometheus || 'n/a')}${o.stack.embedded ? ' (embedded stack)' : ''}</p>`,
    ...notes(view),
    charts(o),
    '<h2>Expectations</h2>',
    expectationsTable(o),
    '<h2>Faults</h2>',
    faultsTable(o),
    '<h2>Alerts</h2>',
    alertsTable(o),
    '<h2>Traffic by phase</h2>',
    trafficTable(o),
  ];
  if (o.warnings.length > 0) {
    body.push('<h2>Warnings</h2>', `<ul>${o.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`);
  }
  return htmlPage({ title: `firedrill ${o.scenario.name}: ${o.verdict}`, body: body.join('\n') });
}
