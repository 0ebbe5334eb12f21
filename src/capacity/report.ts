import { formatDuration } from '../core/duration.ts';
import { assertNever } from '../core/errors.ts';
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

/**
 * A search's capacity as a claim: exact when the search was decided (`found`), "at least" when it stopped
 * above its highest pass (the max rate passed, the generator's ceiling, the budget, Ctrl-C).
 */
export function capacityClaim(result: SearchResultJson, unit: LoadUnit = 'rate'): string {
  const exact = result.answer.status === 'found' || result.capacity === null;
  return `${exact ? '' : 'at least '}${formatLoad(result.capacity, unit)}`;
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
      ? `SLO capacity: ${capacityClaim(best.healthy, result.unit)}${best.healthy.answer.status === 'found' ? '' : ` (search ${best.healthy.answer.status})`} (${result.unit === 'concurrency' ? `${rate(best.healthy.achievedAtCapacity)} achieved, ` : ''}${p} ${ms(best.healthy.steps.find((s) => s.rate === best.healthy.capacity)?.measure?.latencyMs[p])}) with ${best.label}; ${kneeText(best.healthy, result.unit)}${best.healthy.cost ? `; ${usd(best.healthy.cost.per1kInferences)} per 1,000 inferences` : ''}${best.healthy.cost?.per1MOutputTokens ? `, ${usd(best.healthy.cost.per1MOutputTokens)} per 1M output tokens` : ''}`
      : noRecommendation(result),
  );
  if (best) {
    for (const c of result.configurations) {
      const text = undecidedText(c.healthy, result.unit);
      if (text !== undefined) lines.push(`${c.label}: ${text}`);
    }
  }
  for (const c of result.configurations) {
    if (c.headroom !== undefined) {
      lines.push(
        `headroom under ${c.underFault?.fault}: ${c.headroom === null ? '-' : `${(c.headroom * 100).toFixed(0)} %`} of healthy (${c.label})`,
      );
    }
  }
  if (result.earlyExit) {
    lines.push(
      `sweep stopped early after ${result.configurations.length} configurations: the last ones with an answer each gained under capacity.earlyExit.minGain over the best before them (configurations without an answer never stop a sweep)`,
    );
  }
  if (result.notSearched !== undefined && result.notSearched.length > 0) {
    lines.push(
      `not searched, the max duration ran out first (raise --max-duration): ${result.notSearched.join('; ')}`,
    );
  }
  if (anyGeneratorLimited(result)) lines.push(GENERATOR_LIMITED_NOTE);
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
    )}. Search${result.unit === 'concurrency' ? ' (closed model, concurrent users)' : ''}: start ${formatLoad(result.settings.startRate, result.unit)}, max ${formatLoad(result.settings.maxRate, result.unit)}, precision ${result.settings.precision * 100} %, warm-up ${result.settings.warmupMs / 1000} s, windows of ${result.settings.windowMs / 1000} s until ${result.settings.stableWindows} agree within ±${result.settings.tolerance * 100} % (at most ${result.settings.maxWindows})${result.settings.workers > 1 ? `; ${result.settings.workers} traffic threads shared each step's schedule` : ''}.`,
    '',
    '```',
    formatCapacityTable(result),
    '```',
  ];
  for (const c of result.configurations) {
    for (const r of [c.healthy, ...(c.underFault ? [c.underFault] : [])]) {
      out.push('', `## ${c.label}${r.fault ? ` under fault ${r.fault}` : ''}`, '');
      const undecided = undecidedText(r, result.unit);
      if (undecided !== undefined) out.push(`Search ${r.answer.status}: ${undecided}.`, '');
      if (r.alerts.length > 0) {
        out.push(
          'Alerts during the climb (lowest load at which each fired: the highest rate offered within its rule’s lookback, range (through the recording rules it reads) + for + one evaluation and scrape, before it began to fire):',
          '',
        );
        for (const a of r.alerts) {
          out.push(
            `- ${a.alert}: ${formatLoad(a.lowestRate, result.unit)}${a.shareOfCapacity === null ? '' : ` = ${(a.shareOfCapacity * 100).toFixed(0)} % of capacity`} (${a.timing}; ${a.lookbackMs === null || a.lookbackMs === undefined ? 'rule not read: the step it began to fire in' : `lookback ${formatDuration(a.lookbackMs)}`})`,
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

/** Why a generator-limited step says nothing about the server, and what to do about it: said once per view. */
export const GENERATOR_LIMITED_NOTE =
  "generator-limited: the generator could not keep its schedule, so the latency it measured may be its own, not the server's; rerun on a quieter machine or give the generator a free core";

/** True when some search of the result ended generator-limited (its views then carry GENERATOR_LIMITED_NOTE). */
export function anyGeneratorLimited(result: CapacityJson): boolean {
  return result.configurations.some((c) =>
    [c.healthy, ...(c.underFault ? [c.underFault] : [])].some((r) => r.answer.status === 'generator-limited'),
  );
}

/**
 * What a search that ended without an answer (generator-limited, budget, interrupted) does and does not
 * say, in words that blame no one it cannot: undefined for a search with an answer (found, above-max,
 * below-start). A view that shows a generator-limited one adds GENERATOR_LIMITED_NOTE once. Pure.
 */
export function undecidedText(r: SearchResultJson, unit: LoadUnit = 'rate'): string | undefined {
  const { status, highestPass } = r.answer;
  const known = highestPass === null ? 'no answer' : `at least ${formatLoad(highestPass, unit)}, not decided`;
  switch (status) {
    case 'found':
    case 'above-max':
    case 'below-start':
      return undefined;
    case 'generator-limited': {
      const limited = r.steps.filter((s) => s.verdict === 'limited');
      if (limited.length > 0 && limited.length === r.steps.length) {
        return `${known}: every step was generator-limited`;
      }
      const at = limited.map((s) => formatLoad(s.rate, unit)).join(', ');
      return `${known}: the step at ${at || 'the next rate'} was generator-limited`;
    }
    case 'budget':
      return `${known}: the time budget (capacity.maxDuration, --max-duration) ran out before the search was decided`;
    case 'interrupted':
      return `${known}: the search was interrupted before it was decided`;
    default:
      return assertNever(status, 'search status');
  }
}

/**
 * The summary line when no configuration can be recommended: every search either found that no rate met
 * the SLO (below-start) or ended without an answer; each of the latter says why.
 */
export function noRecommendation(result: CapacityJson): string {
  if (result.configurations.length === 0) return 'SLO capacity: no configuration was searched';
  const undecided = result.configurations.flatMap((c) => {
    const text = undecidedText(c.healthy, result.unit);
    return text === undefined ? [] : [{ label: c.label, text }];
  });
  if (undecided.length === 0)
    return `SLO capacity: no ${result.unit === 'rate' ? 'rate' : 'concurrency'} met the SLO`;
  if (result.configurations.length === 1) return `SLO capacity: ${undecided[0]!.text}`;
  return [
    'SLO capacity: not decided:',
    ...result.configurations.map(
      (c) =>
        `  ${c.label}: ${undecidedText(c.healthy, result.unit) ?? `no ${result.unit === 'rate' ? 'rate' : 'concurrency'} met the SLO (the start ${result.unit === 'rate' ? 'rate' : 'concurrency'} failed)`}`,
    ),
  ].join('\n');
}
