import { niceTicks } from '../report/html/svg.ts';
import {
  anyGeneratorLimited,
  capacityClaim,
  GENERATOR_LIMITED_NOTE,
  noRecommendation,
  undecidedText,
} from './report.ts';
import type { CapacityJson, ConfigurationResultJson, SearchResultJson } from './schema.ts';
import type { LoadUnit } from './types.ts';
import { formatLoad } from './units.ts';

/**
 * capacity.html: one self-contained page (no script, no external resource) with, per configuration, an
 * inline SVG latency curve (the search's percentile vs achieved throughput in req/s for a rate search, vs
 * concurrent users for a concurrency search; each step a point coloured by verdict; the healthy curve and,
 * under fault, the second one), the SLO line, the found point and the knee; then the cost table. Pure.
 */

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fmt = (v: number) => String(Number(v.toFixed(1)));

const W = 640;
const H = 320;
const M = { left: 56, right: 16, top: 16, bottom: 40 };

const verdictColour: Record<string, string> = {
  pass: '#1a7f37',
  fail: '#cf222e',
  limited: '#9a6700',
  interrupted: '#6e7781',
};

function curve(c: ConfigurationResultJson, result: CapacityJson): string {
  const p = result.settings.percentile;
  const limit = result.slo.latencyMs[p];
  const searches: SearchResultJson[] = [c.healthy, ...(c.underFault ? [c.underFault] : [])];
  // The x axis: achieved req/s for a rate search; users for a concurrency search (its throughput saturates).
  const users = result.unit === 'concurrency';
  const xOf = (load: number, achieved: number) => (users ? load : achieved);
  const load = (v: number) => formatLoad(v, result.unit);
  const points = searches.flatMap((s, series) =>
    s.steps
      .filter((step) => step.measure !== null)
      .map((step) => ({
        x: xOf(step.rate, step.measure!.achieved),
        y: step.measure!.latencyMs[p],
        verdict: step.verdict,
        series,
        rate: step.rate,
        achieved: step.measure!.achieved,
      })),
  );
  if (points.length === 0) return '<p>No step was measured.</p>';
  // Round axes: ticks 1, 2 or 5 × 10^k apart, the last one at or past the data.
  const xTicks = niceTicks(
    0,
    Math.max(...points.map((q) => q.x), ...searches.map((s) => s.capacity ?? 0)) * 1.05 || 1,
    5,
  );
  // Latency axis: up to 3× the SLO line at most, so a collapsed step does not flatten the curve; clipped points sit on the top edge.
  const yTicks = niceTicks(
    0,
    Math.min(
      Math.max(...points.map((q) => q.y), limit ?? 0) * 1.05,
      (limit ?? Number.POSITIVE_INFINITY) * 3,
    ) || 1,
    5,
  );
  const roundUp = (ticks: number[], max: number) => {
    const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : max;
    return ticks.at(-1)! >= max ? ticks : [...ticks, ticks.at(-1)! + step];
  };
  const xs = roundUp(xTicks, Math.max(...points.map((q) => q.x)));
  const ys = roundUp(
    yTicks,
    Math.min(Math.max(...points.map((q) => q.y)), (limit ?? Number.POSITIVE_INFINITY) * 3),
  );
  const maxX = xs.at(-1)!;
  const maxY = ys.at(-1)!;
  const sx = (x: number) => M.left + (x / maxX) * (W - M.left - M.right);
  const sy = (y: number) => H - M.bottom - (Math.min(y, maxY) / maxY) * (H - M.top - M.bottom);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(`${p} latency vs throughput, ${c.label}`)}">`,
  );
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  out.push(
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#888"/>`,
  );
  out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#888"/>`);
  for (const x of xs) {
    out.push(
      `<text x="${sx(x)}" y="${H - M.bottom + 14}" font-size="10" text-anchor="middle">${fmt(x)}</text>`,
    );
  }
  for (const y of ys) {
    out.push(`<text x="${M.left - 4}" y="${sy(y) + 3}" font-size="10" text-anchor="end">${fmt(y)}</text>`);
  }
  out.push(
    `<text x="${(W + M.left) / 2}" y="${H - 6}" font-size="11" text-anchor="middle">${users ? 'concurrency (users)' : 'achieved throughput (req/s)'}</text>`,
  );
  out.push(
    `<text x="12" y="${(H - M.bottom) / 2}" font-size="11" transform="rotate(-90 12 ${(H - M.bottom) / 2})" text-anchor="middle">${p} latency (ms)</text>`,
  );
  if (limit !== undefined) {
    out.push(
      `<line class="slo" x1="${M.left}" y1="${sy(limit)}" x2="${W - M.right}" y2="${sy(limit)}" stroke="#cf222e" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${W - M.right}" y="${sy(limit) - 4}" font-size="10" text-anchor="end" fill="#cf222e">SLO ${p} ${fmt(limit)} ms</text>`,
    );
  }
  searches.forEach((_s, series) => {
    const line = points
      .filter((q) => q.series === series)
      .sort((a, b) => a.rate - b.rate)
      .map((q) => `${sx(q.x).toFixed(1)},${sy(q.y).toFixed(1)}`)
      .join(' ');
    out.push(
      `<polyline fill="none" stroke="${series === 0 ? '#0969da' : '#8250df'}" stroke-width="1.5" points="${line}"/>`,
    );
  });
  for (const q of points) {
    out.push(
      `<circle cx="${sx(q.x).toFixed(1)}" cy="${sy(q.y).toFixed(1)}" r="3.5" fill="${verdictColour[q.verdict] ?? '#000'}"${q.series === 1 ? ' stroke="#8250df" stroke-width="2"' : ''}><title>${esc(`${users ? load(q.rate) : `${fmt(q.rate)}/s offered`}: ${fmt(q.achieved)}/s achieved, ${p} ${fmt(q.y)} ms, ${q.verdict}${q.series === 1 ? ' (under fault)' : ''}`)}</title></circle>`,
    );
  }
  searches.forEach((s, series) => {
    const found = s.steps.find(
      (step) => step.rate === s.capacity && step.verdict === 'pass' && step.measure !== null,
    );
    if (found?.measure) {
      const x = sx(xOf(found.rate, found.measure.achieved));
      const y = sy(found.measure.latencyMs[p]);
      out.push(
        `<circle class="found" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="8" fill="none" stroke="#1a7f37" stroke-width="2"/>`,
      );
      out.push(
        `<text x="${x.toFixed(1)}" y="${(y - 12).toFixed(1)}" font-size="10" text-anchor="middle">${series === 1 ? 'under fault ' : ''}capacity ${load(s.capacity!)}</text>`,
      );
    }
    if (s.knee.point) {
      const x = sx(xOf(s.knee.point.offered, s.knee.point.achieved));
      const y = sy(s.knee.point.latencyMs);
      out.push(
        `<path class="knee" d="M${x - 6},${y + 6} L${x},${y - 6} L${x + 6},${y + 6} Z" fill="none" stroke="#9a6700" stroke-width="2"/>`,
      );
      out.push(
        `<text x="${x.toFixed(1)}" y="${(y + 18).toFixed(1)}" font-size="10" text-anchor="middle">knee (${s.knee.beyond})</text>`,
      );
    }
  });
  if (c.underFault) {
    // Legend: which line is which.
    const lx = M.left + 8;
    out.push(
      `<g class="legend" font-size="10"><line x1="${lx}" y1="${M.top + 6}" x2="${lx + 18}" y2="${M.top + 6}" stroke="#0969da" stroke-width="1.5"/><text x="${lx + 22}" y="${M.top + 9}">healthy</text><line x1="${lx}" y1="${M.top + 20}" x2="${lx + 18}" y2="${M.top + 20}" stroke="#8250df" stroke-width="1.5"/><text x="${lx + 22}" y="${M.top + 23}">${esc(`under fault ${c.underFault.fault ?? ''}`)}</text></g>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

function alertsLine(search: SearchResultJson, unit: LoadUnit): string {
  if (search.alerts.length === 0) return '';
  const under = search.fault ? ` under fault ${search.fault}` : '';
  return `<p>Alerts during the climb${esc(under)} (the highest load within each rule’s lookback before it fired): ${search.alerts
    .map((a) =>
      esc(
        `${a.alert} at ${formatLoad(a.lowestRate, unit)}${a.shareOfCapacity === null ? '' : ` (${(a.shareOfCapacity * 100).toFixed(0)} % of capacity, ${a.timing})`}`,
      ),
    )
    .join('; ')}</p>`;
}

function costTable(result: CapacityJson): string {
  const rows = result.configurations.map((c, i) => {
    const r = c.healthy;
    const cells = [
      `${i === result.recommendation ? '★ ' : ''}${esc(c.label)}`,
      `${esc(capacityClaim(r, result.unit))}${result.unit === 'concurrency' && typeof r.achievedAtCapacity === 'number' ? ` (${fmt(r.achievedAtCapacity)}/s)` : ''}`,
      r.answer.status,
      r.knee.point ? `${formatLoad(r.knee.point.offered, result.unit)} (${r.knee.beyond})` : '-',
      r.cost ? `$${r.cost.per1kInferences.toPrecision(3)}` : '-',
      r.cost?.per1MOutputTokens ? `$${r.cost.per1MOutputTokens.toPrecision(3)}` : '-',
      c.headroom === undefined ? '' : c.headroom === null ? '-' : `${(c.headroom * 100).toFixed(0)} %`,
    ];
    return `<tr>${cells.map((x) => `<td>${x}</td>`).join('')}</tr>`;
  });
  const priced = result.pricing
    ? `$${result.pricing.pricePerHour}/h × ${result.pricing.replicas} replica(s)`
    : 'no price given (--price-per-hour)';
  return `<table><thead><tr><th>configuration</th><th>SLO capacity</th><th>status</th><th>knee</th><th>$ / 1,000 inferences</th><th>$ / 1M output tokens</th><th>headroom under fault</th></tr></thead><tbody>${rows.join('')}</tbody></table><p>Pricing: ${esc(priced)}.${result.recommendation === null ? ` ${esc(noRecommendation(result))}` : ' ★ = recommended (cheapest meeting the SLO).'}${anyGeneratorLimited(result) ? ` ${esc(`${GENERATOR_LIMITED_NOTE}.`)}` : ''}${result.notSearched?.length ? ` ${esc(`Not searched, the max duration ran out first (raise --max-duration): ${result.notSearched.join('; ')}.`)}` : ''}</p>`;
}

export function renderCapacityHtml(result: CapacityJson): string {
  const sections = result.configurations.map(
    (c) =>
      `<section><h2>${esc(c.label)}</h2>${[c.healthy, ...(c.underFault ? [c.underFault] : [])]
        .map((r) => {
          const text = undecidedText(r, result.unit);
          return text === undefined
            ? ''
            : `<p class="undecided">${esc(`Search${r.fault ? ` under fault ${r.fault}` : ''} ${r.answer.status}: ${text}.`)}</p>`;
        })
        .join(
          '',
        )}${curve(c, result)}${alertsLine(c.healthy, result.unit)}${c.underFault ? alertsLine(c.underFault, result.unit) : ''}</section>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`Capacity: ${result.scenario}`)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1f2328}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left}svg{max-width:100%;height:auto}</style>
</head><body>
<h1>${esc(`Capacity: ${result.scenario}`)}</h1>
<p>${esc(`${result.target} · ${result.startedAt} → ${result.endedAt} · ${result.status}`)}. Points: each step (green passed, red failed, amber generator-limited); ring: the SLO capacity; triangle: the knee; dashed: the SLO.</p>
${costTable(result)}
${sections.join('\n')}
</body></html>
`;
}
