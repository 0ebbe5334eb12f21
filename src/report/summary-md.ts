/**
 * summary.md: what a human reads after a game day (and what CI can paste into a job summary).
 * Times are shown as offsets from the run start (`+12.3s`), durations with formatDuration.
 */
import { formatDuration } from '../core/duration.ts';
import {
  CLOSED_MODEL_NOTE,
  countVerdicts,
  durationOr,
  offset,
  oneLine,
  predictedText,
  rejectionWarning,
} from './format.ts';
import type { RunOutcome } from './types.ts';
import { buildRunView, type RunView } from './view.ts';

const none = '—';
const percent = (ratio: number) => `${Number((ratio * 100).toFixed(2))}%`;

/** Escapes free text for one Markdown table cell or list item: no table breaks, no raw HTML, no emphasis. */
export function escapeMarkdown(text: string): string {
  return oneLine(text)
    .replace(/[\\`*_[\]|]/g, (c) => `\\${c}`)
    .replace(/</g, '&lt;');
}

/** An identifier shown verbatim in a code span (safe inside a table cell). */
function code(text: string): string {
  const t = oneLine(text).replace(/\|/g, '\\|');
  const fence = t.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${t}${fence.length > 1 ? ' ' : ''}${fence}`;
}

function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly number[] = [],
): string {
  const align = header.map((_, i) => (right.includes(i) ? '---:' : '---'));
  return [header, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function int(n: number): string {
  return String(Math.round(n));
}

function ms(n: number): string {
  return (Math.round(n * 10) / 10).toFixed(1);
}

function paragraph(o: RunOutcome): string {
  const c = countVerdicts(o.expectations);
  const where = o.stack.embedded ? 'the embedded stack' : `Prometheus at ${o.stack.prometheus}`;
  const s: string[] = [
    `Run ${code(o.runId)} of scenario ${code(o.scenario.name)}` +
      (o.scenario.description ? ` (${escapeMarkdown(o.scenario.description)})` : '') +
      ` ran for ${formatDuration(o.endedAt - o.startedAt)} from ${new Date(o.startedAt).toISOString()}` +
      ` against ${escapeMarkdown(o.stack.target)}, evaluated on ${escapeMarkdown(where)}.`,
  ];
  if (o.faults.length > 0) {
    const landed = o.faults.filter((f) => f.landedAt !== null).length;
    const unreverted = o.faults.filter((f) => f.revertError !== null).length;
    s.push(
      `It injected ${o.faults.length} fault${o.faults.length === 1 ? '' : 's'}, ${landed} confirmed landed` +
        (unreverted > 0 ? `, and **${unreverted} could not be reverted**` : '') +
        '.',
    );
  } else {
    s.push('It injected no faults.');
  }
  if (o.traffic !== null) {
    s.push(
      `The ${escapeMarkdown(o.traffic.engine)} engine (${o.traffic.model === 'closed' ? 'closed model: fixed concurrency, latency from each actual send' : 'open model'}) sent ${o.traffic.sent} requests,` +
        ` ${o.traffic.errors} failed.`,
    );
  }
  s.push(
    `Of ${o.expectations.length} expectation${o.expectations.length === 1 ? '' : 's'}, ${c.passed} passed,` +
      ` ${c.failed} failed and ${c.inconclusive} ${c.inconclusive === 1 ? 'was' : 'were'} inconclusive:` +
      ` run verdict **${o.verdict}** (exit ${o.exitCode}).`,
  );
  if (o.reason !== undefined) s.push(`Reason: ${escapeMarkdown(o.reason)}`);
  if (o.webhook) {
    const n = o.webhook.accepted;
    s.push(
      `The webhook receiver accepted ${n} notification${n === 1 ? '' : 's'} carrying the run's secret` +
        (o.webhook.rejected === 0
          ? ' and refused none.'
          : ` and **refused ${o.webhook.rejected} without it**: see the warning below.`),
    );
  }
  return s.join(' ');
}

function labels(l: Record<string, string>): string {
  const entries = Object.entries(l).filter(([k]) => k !== 'alertname');
  return entries.length === 0 ? none : code(entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', '));
}

export function buildSummaryMarkdown(o: RunOutcome): string {
  return renderSummaryMarkdown(buildRunView(o));
}

/** Renders the shared view; interpretation (e.g. the generator diagnosis) comes from the view, not from here. */
export function renderSummaryMarkdown(view: RunView): string {
  const o = view.outcome;
  const out: string[] = [`# firedrill: ${o.scenario.name} — ${o.verdict}`, '', paragraph(o), ''];

  const unreverted = o.faults.filter((f) => f.revertError !== null);
  if (unreverted.length > 0) {
    out.push('> **Warning:** faults could not be reverted; the system may still be faulted.');
    for (const f of unreverted) {
      out.push(
        `> - ${code(f.id)}: ${escapeMarkdown(f.revertError ?? '')}` +
          (f.cleanupHint !== null ? ` — clean up with ${code(f.cleanupHint)}` : ''),
      );
    }
    out.push('');
  }

  out.push('## Expectations', '');
  if (o.expectations.length === 0) {
    out.push('No expectation was judged.', '');
  } else {
    // The predicted column only when some expectation has a predicted detection time.
    const predicted = o.expectations.some((e) => e.predictedMs !== undefined);
    out.push(
      table(
        [
          'expectation',
          'kind',
          'verdict',
          'subject',
          'measured',
          ...(predicted ? ['predicted'] : []),
          'budget',
          'floor',
          'detail',
        ],
        o.expectations.map((e) => [
          code(e.id),
          e.kind,
          e.verdict,
          escapeMarkdown(e.subject),
          durationOr(e.measuredMs, none),
          ...(predicted ? [e.predictedMs === undefined ? none : predictedText(e.predictedMs)] : []),
          durationOr(e.budgetMs, none),
          durationOr(e.floorMs, none),
          escapeMarkdown(e.detail),
        ]),
        predicted ? [4, 5, 6, 7] : [4, 5, 6],
      ),
      '',
    );
  }

  out.push('## Faults', '');
  if (o.faults.length === 0) {
    out.push('No faults were injected.', '');
  } else {
    out.push(
      table(
        ['fault', 'kind', 'backend', 'injected', 'landed', 'reverted', 'notes'],
        o.faults.map((f) => {
          const notes = [
            f.landedEvidence !== null ? `landed: ${f.landedEvidence}` : null,
            f.notLandedReason !== null ? `not landed: ${f.notLandedReason}` : null,
            f.revertError !== null ? `revert failed: ${f.revertError}` : null,
          ].filter((n): n is string => n !== null);
          return [
            code(f.id),
            escapeMarkdown(f.kind),
            escapeMarkdown(f.backend),
            offset(f.injectedAt, o.startedAt),
            offset(f.landedAt, o.startedAt),
            offset(f.revertedAt, o.startedAt),
            notes.length === 0 ? none : escapeMarkdown(notes.join('; ')),
          ];
        }),
        [3, 4, 5],
      ),
      '',
    );
  }

  out.push('## Alerts', '');
  if (o.alerts.length === 0) {
    out.push('No alert became pending or fired.', '');
  } else {
    const sorted = [...o.alerts].sort(
      (a, b) => (a.pendingAt ?? a.firingAt ?? Infinity) - (b.pendingAt ?? b.firingAt ?? Infinity),
    );
    out.push(
      table(
        ['alert', 'labels', 'pending', 'firing', 'notified', 'resolved', 'source'],
        sorted.map((a) => [
          code(a.name),
          labels(a.labels),
          offset(a.pendingAt, o.startedAt),
          offset(a.firingAt, o.startedAt),
          offset(a.notifiedAt, o.startedAt),
          offset(a.resolvedAt, o.startedAt),
          a.source === undefined ? none : a.source === 'api' ? 'api (upper bounds)' : a.source,
        ]),
        [2, 3, 4, 5],
      ),
      '',
    );
  }

  if (o.floors.length > 0) {
    out.push('### Detection floors', '');
    out.push(
      table(
        ['alert', 'measure', 'floor', 'jitter', 'from'],
        o.floors.map((f) => [
          code(f.alert),
          f.measure,
          formatDuration(f.floorMs),
          `+${formatDuration(f.jitterMs)}`,
          escapeMarkdown(f.explanation),
        ]),
        [2, 3],
      ),
      '',
    );
  }

  if (o.predictions.length > 0) {
    out.push('### Predicted detection times', '');
    out.push(
      "From the rule's windows, thresholds and `for` over the planned traffic and the fault's error ratio" +
        ' (a measured time within [predicted, predicted + tolerance] agrees; see the README).',
      '',
    );
    if (o.prometheusLateness?.late) {
      out.push(
        '**Prometheus itself fell behind its schedule during this run** (see the warnings): the predictions' +
          ' assume it kept it, so measured times later than predicted + tolerance include its own delay.',
        '',
      );
    }
    out.push(
      table(
        ['alert', 'fault', 'errors', 'pages above', 'predicted', 'tolerance', 'arithmetic'],
        o.predictions.map((p) => [
          code(p.alert),
          code(p.faultId),
          percent(p.errorRatio),
          percent(p.minErrorRatio),
          predictedText(p.predictedMs),
          `+${formatDuration(p.toleranceMs)}`,
          escapeMarkdown(p.explanation),
        ]),
        [2, 3, 4, 5],
      ),
      '',
    );
  }

  if (o.blind.length > 0) {
    out.push('### Blind periods', '');
    out.push('The evaluator could not read these backends; nothing was judged from those spans.', '');
    for (const b of o.blind) {
      out.push(
        `- ${b.backend} ${offset(b.fromAt, o.startedAt)} to ${offset(b.toAt, o.startedAt)}` +
          ` (${formatDuration(b.toAt - b.fromAt)}): ${escapeMarkdown(b.reason)}`,
      );
    }
    out.push('');
  }

  out.push('## Traffic', '');
  const t = o.traffic;
  if (t === null) {
    out.push('No traffic was sent.', '');
  } else {
    const closed = t.model === 'closed';
    out.push(
      `Engine ${code(t.engine)}, ${t.model} model: ${t.sent} sent, ${t.completed} completed, ${t.errors} errors` +
        ` (${t.timeouts} timeouts), ${t.dropped} dropped, ${t.late} late (max ${formatDuration(t.maxLateMs)}).` +
        ` Latency of the whole run from each request’s ${closed ? 'actual send' : 'intended start'}:` +
        ` p50 ${ms(t.latencyMs.p50)} ms, p90 ${ms(t.latencyMs.p90)} ms, p99 ${ms(t.latencyMs.p99)} ms,` +
        ` max ${ms(t.latencyMs.max)} ms.`,
      '',
    );
    if (closed) out.push(`> **Note:** this was a ${escapeMarkdown(CLOSED_MODEL_NOTE)}.`, '');
    const g = view.generator;
    if (g?.kind === 'closed-saturated') {
      out.push(
        `> **Note:** the load generator was saturated${g.loopLagP99Ms ? ` (event-loop lag p99 ${ms(g.loopLagP99Ms)} ms)` : ''}:` +
          ' that lag is inside the latency figures below; where it is large next to them, they describe the generator, not the server.',
        '',
      );
    } else if (g) {
      out.push(
        `> **Note:** the load generator fell behind its schedule: ${g.late} of ${g.sent} sends left more than` +
          ` 1 ms late (max ${formatDuration(g.maxLateMs)})${g.loopLagP99Ms ? `, event-loop lag p99 ${ms(g.loopLagP99Ms)} ms` : ''}.` +
          (g.kind === 'behind-host-bound'
            ? ' Its own event loop kept up, so the delays came from waiting for a CPU: the host is busy (on a small' +
              ' machine, with the stack beside it). Latency is measured from the intended start, so those delays are' +
              ' inside the figures below.'
            : ' Latency is measured from the intended start, so that lateness is inside the figures below: where it' +
              ' is large next to them, they describe the generator, not the server.'),
        '',
      );
    }
    // The wrong-answer column only when some phase checked responses (traffic.validate or streamed answers).
    const checked = Object.values(o.phases).some((p) => p.wrongAnswers !== null);
    const rows = Object.entries(o.phases).map(([name, p]) => [
      code(name),
      int(p.sent),
      int(p.ok),
      int(p.errors),
      `${(p.errorRatio * 100).toFixed(2)}%`,
      ...(checked
        ? [
            p.wrongAnswers === null || p.wrongAnswerRatio === null
              ? none
              : `${int(p.wrongAnswers)} (${(p.wrongAnswerRatio * 100).toFixed(2)}%)`,
          ]
        : []),
      ms(p.latencyMs.p50),
      ms(p.latencyMs.p90),
      ms(p.latencyMs.p99),
      ms(p.latencyMs.max),
      `${p.throughput.toFixed(1)}/s`,
    ]);
    const header = [
      'phase',
      'sent',
      'ok',
      'errors',
      'error ratio',
      ...(checked ? ['wrong answers'] : []),
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'throughput',
    ];
    if (rows.length === 0) out.push('No per-phase statistics were recorded.', '');
    else
      out.push(
        table(
          header,
          rows,
          header.map((_, i) => i).filter((i) => i > 0),
        ),
        '',
      );
    const streamed = Object.entries(o.phases).filter(([, p]) => p.streaming !== undefined);
    if (streamed.length > 0) {
      out.push(
        '### Streaming',
        '',
        'OpenAI-compatible SSE: TTFT from each request’s intended start to its first content token; ITL between content chunks; TPOT = (end − TTFT) / (tokens − 1).',
        '',
      );
      const streamHeader = [
        'phase',
        'streams',
        'TTFT p50 ms',
        'TTFT p99 ms',
        'ITL p99 ms',
        'TPOT p50 ms',
        'TPOT p99 ms',
        'tokens/s',
      ];
      const streamRows = streamed.map(([name, p]) => {
        const s = p.streaming as NonNullable<typeof p.streaming>;
        return [
          code(name),
          int(s.streams),
          ms(s.ttftMs.p50),
          ms(s.ttftMs.p99),
          ms(s.itlMs.p99),
          ms(s.tpotMs.p50),
          ms(s.tpotMs.p99),
          s.outputTokensPerSecond.toFixed(1),
        ];
      });
      out.push(
        table(
          streamHeader,
          streamRows,
          streamHeader.map((_, i) => i).filter((i) => i > 0),
        ),
        '',
      );
    }
  }

  const drift = o.drift ?? [];
  if (drift.length > 0) {
    out.push(
      '## Drift: expected vs observed',
      '',
      'Expected PSI is computed before the run from the same generator, as the fixture monitor scores a full window; the band is the 5th–95th percentile over simulated windows. Observed is the median (and max) of the monitor’s readings while its window was full of drifted rows.',
      '',
    );
    const rows = drift.flatMap((d) =>
      d.rows.length === 0
        ? [[code(d.step), escapeMarkdown(d.transform), '—', '—', '—', '—', 'not observed']]
        : d.rows.map((r) => [
            code(d.step),
            escapeMarkdown(d.transform),
            code(r.feature),
            `${r.expectedPsi.toFixed(3)} (${r.psiLow.toFixed(3)}–${r.psiHigh.toFixed(3)})`,
            r.observedPsiMedian === null ? '—' : r.observedPsiMedian.toFixed(3),
            r.observedPsiMax === null ? '—' : r.observedPsiMax.toFixed(3),
            r.agree ? 'agrees' : 'disagrees',
          ]),
    );
    out.push(
      table(
        ['step', 'transform', 'feature', 'expected PSI (band)', 'observed median', 'observed max', 'verdict'],
        rows,
        [4, 5],
      ),
      '',
    );
  }

  const forged = o.webhook ? rejectionWarning(o.webhook) : undefined;
  if (o.warnings.length > 0 || forged !== undefined) {
    out.push('## Warnings', '');
    if (forged !== undefined && !o.warnings.includes(forged)) out.push(`- **${escapeMarkdown(forged)}**`);
    for (const w of o.warnings)
      out.push(w === forged ? `- **${escapeMarkdown(w)}**` : `- ${escapeMarkdown(w)}`);
    out.push('');
  }

  return `${out.join('\n').trimEnd()}\n`;
}
