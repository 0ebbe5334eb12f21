import type { CapacityJson, SearchResultJson } from './schema.ts';
import type { CapacityProgress, LoadUnit } from './types.ts';
import { formatLoad } from './units.ts';

/** Views over capacity.json (pure): the CLI table and summary.md. */

const rate = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : `${Number(v.toFixed(1))}/s`;
const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : `${Number(v.toFixed(1))}ms`;
const usd = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `$${v.toPrecision(3)}`);

function kneeText(result: SearchResultJson, unit: LoadUnit): string {
  const k = result.knee;
  if (k.point === null) return 'no knee';
  return `knee ${formatLoad(k.point.offered, unit)} (${ms(k.point.latencyMs)}), then a ${k.beyond === 'none' ? '?' : k.beyond}`;
}

/** The SLO capacity; in users with the throughput they achieved beside it (what cost is priced on). */
function capacityText(result: SearchResultJson, unit: LoadUnit): string {
  const found = formatLoad(result.capacity, unit);
  return unit === 'concurrency' && result.capacity !== null
    ? `${found} (${rate(result.achievedAtCapacity)})`
    : found;
}

/** One line per configuration (and under fault), then the recommendation. */
export function formatCapacityTable(result: CapacityJson, reportDir?: string): string {
  const header = [
    'configuration',
    'fault',
    'capacity',
    'lowest fail',
    'status',
    'knee',
    'beyond',
    '$/1k',
    'steps',
  ];
  const rows: string[][] = [];
  for (const [i, c] of result.configurations.entries()) {
    for (const r of [c.healthy, ...(c.underFault ? [c.underFault] : [])]) {
      rows.push([
        `${i === result.recommendation && r === c.healthy ? '* ' : ''}${c.label}`,
        r.fault ?? '-',
        capacityText(r, result.unit),
        formatLoad(r.answer.lowestFail, result.unit),
        r.answer.status,
        r.knee.point ? formatLoad(r.knee.point.offered, result.unit) : '-',
        r.knee.beyond,
        usd(r.cost?.per1kInferences),
        String(r.steps.length),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const lines = [line(header), ...rows.map(line)];
  const best = result.recommendation === null ? undefined : result.configurations[result.recommendation];
  const p = result.settings.percentile;
  lines.push('');
  lines.push(
    best
      ? `SLO capacity: ${formatLoad(best.healthy.capacity, result.unit)} (${result.unit === 'concurrency' ? `${rate(best.healthy.achievedAtCapacity)} achieved, ` : ''}${p} ${ms(best.healthy.steps.find((s) => s.rate === best.healthy.capacity)?.measure?.latencyMs[p])}) with ${best.label}; ${kneeText(best.healthy, result.unit)}${best.healthy.cost ? `; ${usd(best.healthy.cost.per1kInferences)} per 1,000 inferences` : ''}${best.healthy.cost?.per1MOutputTokens ? `, ${usd(best.healthy.cost.per1MOutputTokens)} per 1M output tokens` : ''}`
      : noRecommendation(result),
  );
  for (const c of result.configurations) {
    if (c.headroom !== undefined) {
      lines.push(
        `headroom under ${c.underFault?.fault}: ${c.headroom === null ? '-' : `${(c.headroom * 100).toFixed(0)} %`} of healthy (${c.label})`,
      );
    }
  }
  if (result.earlyExit)
    lines.push('sweep stopped early: the last configurations gained under the early-exit gain');
  if (result.status !== 'completed')
    lines.push(`search ${result.status}${result.reason ? `: ${result.reason}` : ''}`);
  if (reportDir) lines.push(`report: ${reportDir}`);
  return lines.join('\n');
}

/** summary.md: the answer, the table, and every step of every search. */
export function renderCapacitySummary(result: CapacityJson): string {
  const out = [
    `# Capacity: ${result.scenario}`,
    '',
    `Target ${result.target}, ${result.startedAt} → ${result.endedAt}, status **${result.status}**${result.reason ? ` (${result.reason})` : ''}.`,
    '',
    `SLO: ${[
      ...Object.entries(result.slo.latencyMs).map(([k, v]) => `${k} ≤ ${v} ms`),
      ...(result.slo.maxErrorRatio !== undefined ? [`errors ≤ ${result.slo.maxErrorRatio * 100} %`] : []),
      ...(result.slo.maxWrongAnswerRatio !== undefined
        ? [`wrong answers ≤ ${result.slo.maxWrongAnswerRatio * 100} %`]
        : []),
      ...(result.slo.goodput
        ? [`goodput ≥ ${result.slo.goodput.min * 100} % within ${result.slo.goodput.latencyMs} ms`]
        : []),
    ].join(
      ', ',
    )}. Search${result.unit === 'concurrency' ? ' (closed model, concurrent users)' : ''}: start ${formatLoad(result.settings.startRate, result.unit)}, max ${formatLoad(result.settings.maxRate, result.unit)}, precision ${result.settings.precision * 100} %, warm-up ${result.settings.warmupMs / 1000} s, windows of ${result.settings.windowMs / 1000} s until ${result.settings.stableWindows} agree within ±${result.settings.tolerance * 100} % (at most ${result.settings.maxWindows}).`,
    '',
    '```',
    formatCapacityTable(result),
    '```',
  ];
  for (const c of result.configurations) {
    for (const r of [c.healthy, ...(c.underFault ? [c.underFault] : [])]) {
      out.push('', `## ${c.label}${r.fault ? ` under fault ${r.fault}` : ''}`, '');
      if (r.alerts.length > 0) {
        out.push('Alerts during the climb (lowest load at which each fired):', '');
        for (const a of r.alerts) {
          out.push(
            `- ${a.alert}: ${formatLoad(a.lowestRate, result.unit)}${a.shareOfCapacity === null ? '' : ` = ${(a.shareOfCapacity * 100).toFixed(0)} % of capacity`} (${a.timing})`,
          );
        }
        out.push('');
      }
      out.push(
        `| # | ${result.unit === 'rate' ? 'offered' : 'users'} | achieved | p50 | p90 | p99 | errors | late | goodput | stability | verdict | why |`,
      );
      out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
      r.steps.forEach((s, i) => {
        const m = s.measure;
        out.push(
          `| ${i + 1} | ${formatLoad(s.rate, result.unit)} | ${rate(m?.achieved)} | ${ms(m?.latencyMs.p50)} | ${ms(m?.latencyMs.p90)} | ${ms(m?.latencyMs.p99)} | ${m ? `${(m.errorRatio * 100).toFixed(2)} %` : '-'} | ${m ? m.late : '-'} | ${m?.goodput === null || m === null ? '-' : `${(m.goodput * 100).toFixed(1)} %`} | ${s.stability} | ${s.verdict} | ${s.violations.join('; ')} |`,
        );
      });
    }
  }
  return `${out.join('\n')}\n`;
}

/** The live progress line: configuration, step, load (rate, or users) → achieved, p99, and the verdict so far. */
export function formatCapacityProgress(p: CapacityProgress): string {
  return [
    `config ${p.configurationIndex + 1}/${p.configurations} ${p.configuration}${p.fault ? ` [fault ${p.fault}]` : ''}`,
    `step ${p.step}`,
    `${p.unit === 'rate' ? 'rate' : 'users'} ${p.load}→${p.achievedRate.toFixed(0)}/s`,
    `p99 ${p.p99Ms === null ? '-' : `${p.p99Ms.toFixed(1)}ms`}`,
    `pass ≤ ${formatLoad(p.highestPass, p.unit)} · fail ≥ ${formatLoad(p.lowestFail, p.unit)}`,
  ].join(' · ');
}

/**
 * The summary line when no configuration can be recommended: either no rate passed, or a search stopped
 * before it was decided (generator-limited, budget, interrupted) and only a lower bound is known.
 */
function noRecommendation(result: CapacityJson): string {
  const bounds = result.configurations
    .filter((c) => c.healthy.capacity !== null)
    .map(
      (c) =>
        `at least ${formatLoad(c.healthy.capacity, result.unit)} with ${c.label} (search ${c.healthy.answer.status})`,
    );
  return bounds.length === 0
    ? `SLO capacity: no ${result.unit === 'rate' ? 'rate' : 'concurrency'} met the SLO`
    : `SLO capacity: not decided: ${bounds.join('; ')}`;
}
