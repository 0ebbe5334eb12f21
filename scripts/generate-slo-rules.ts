/**
 * Generates multi-window, multi-burn-rate error-budget alerts (SRE Workbook, table 5-8) from every
 * fixtures/prometheus/slo/*.slo.yml into two Prometheus rule files:
 *   fixtures/prometheus/rules/<output>       every window divided by scale.factor, groups evaluated every 1 s,
 *                                            so a game day on the 1 s stack can make them fire in seconds;
 *   fixtures/prometheus/production/<output>  the windows as written (1h/5m, 6h/30m, 3d/6h), for real use.
 * Both come from one spec, so they cannot disagree on thresholds, labels or expressions; only windows differ.
 *
 * Run: node --import tsx scripts/generate-slo-rules.ts [--check]
 *   --check writes nothing and exits 1 when a committed file differs from a fresh render.
 * Exit codes: 0 ok, 1 outputs out of date (--check), 2 invalid spec (every issue is printed).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
] as const;

/** Seconds of a Prometheus-style duration made of d, h, m and s parts (`30d`, `1h12m`); undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (!m || text === '') return undefined;
  return UNITS.reduce((sum, [, seconds], i) => sum + Number(m[i + 1] ?? 0) * seconds, 0);
}

/** Whole seconds as the shortest Prometheus duration (`4320` → `1h12m`, `259200` → `3d`). */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new RangeError(`not a positive whole-second duration: ${seconds}`);
  let rest = seconds;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** Round away binary noise (1 − 0.995 = 0.0050000000000000044) so numbers print as written. */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, 'a duration such as 30d, 6h, 5m or 1h12m');
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name');

export const SloSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case words joined by -'),
  output: z.string().regex(/^[a-z0-9][a-z0-9-]*\.yml$/, 'a file name ending in .yml'),
  objective: z.number().gt(0).lt(1),
  period: duration,
  sli: z.strictObject({
    by: z.array(labelName).min(1),
    errors: z.string().min(1),
    total: z.string().min(1),
    record: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a metric name prefix'),
  }),
  labels: z.record(labelName, z.string()),
  runbook_url: z.url(),
  scale: z.strictObject({ factor: z.int().min(1), min_window: duration }),
  alerts: z
    .array(
      z.strictObject({
        alert: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'an UpperCamelCase alert name'),
        severity: z.enum(['page', 'ticket']),
        long: duration,
        short: duration,
        budget_consumed: z.number().gt(0).lte(1),
      }),
    )
    .min(1),
});
export type SloSpec = z.infer<typeof SloSpecSchema>;

/** One alert with its derived numbers. Windows in seconds, production scale. */
export interface BurnAlert {
  alert: string;
  severity: 'page' | 'ticket';
  longS: number;
  shortS: number;
  budgetConsumed: number;
  /** budget_consumed × period / long window (14.4, 6, 1 for the Workbook rows). */
  burnRate: number;
}

export interface SloPlan {
  spec: SloSpec;
  /** Error budget as a ratio of requests: 1 − objective. */
  budget: number;
  periodS: number;
  factor: number;
  alerts: BurnAlert[];
}

export type PlanResult = { ok: true; plan: SloPlan } | { ok: false; issues: string[] };

/** Validates a spec and derives burn rates; collects every issue rather than stopping at the first. */
export function planSlo(raw: unknown): PlanResult {
  const parsed = SloSpecSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    };
  }
  const spec = parsed.data;
  const issues: string[] = [];
  const periodS = parseDuration(spec.period)!;
  const minWindowS = parseDuration(spec.scale.min_window)!;
  const factor = spec.scale.factor;
  if ('severity' in spec.labels) issues.push('labels.severity: set per alert, not for the whole SLO');
  const seen = new Set<string>();
  const alerts = spec.alerts.map((a, i): BurnAlert => {
    const at = `alerts.${i}`;
    if (seen.has(a.alert)) issues.push(`${at}.alert: ${a.alert} appears twice`);
    seen.add(a.alert);
    const longS = parseDuration(a.long)!;
    const shortS = parseDuration(a.short)!;
    if (shortS * 12 !== longS)
      issues.push(`${at}: short window ${a.short} is not 1/12 of long window ${a.long}`);
    if (longS > periodS) issues.push(`${at}.long: ${a.long} is longer than the period ${spec.period}`);
    for (const [name, s] of [
      ['long', longS],
      ['short', shortS],
    ] as const) {
      const scaled = s / factor;
      if (!Number.isInteger(scaled))
        issues.push(`${at}.${name}: ${a[name]} ÷ ${factor} is not a whole number of seconds`);
      else if (scaled < minWindowS)
        issues.push(
          `${at}.${name}: ${a[name]} ÷ ${factor} = ${scaled}s is shorter than scale.min_window ${spec.scale.min_window}`,
        );
    }
    return {
      alert: a.alert,
      severity: a.severity,
      longS,
      shortS,
      budgetConsumed: a.budget_consumed,
      burnRate: clean((a.budget_consumed * periodS) / longS),
    };
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, plan: { spec, budget: clean(1 - spec.objective), periodS, factor, alerts } };
}

export type Target = 'scaled' | 'production';

/** Folds prose into `>-` block lines of at most `width` characters, each prefixed by `indent`. */
function folded(text: string, indent: string, width = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

const pct = (ratio: number) => `${clean(ratio * 100)}%`;

/** The rule file for one target, as committed (deterministic: same plan, same bytes). */
export function renderSloRules(plan: SloPlan, target: Target, source: string): string {
  const { spec, budget, factor } = plan;
  const divisor = target === 'scaled' ? factor : 1;
  const w = (seconds: number) => formatDuration(seconds / divisor);
  const by = spec.sli.by.join(', ');
  const record = (seconds: number) => `${spec.sli.record}${w(seconds)}`;
  const windows = [...new Set(plan.alerts.flatMap((a) => [a.shortS, a.longS]))].sort((a, b) => a - b);
  const sloLabel = { slo: spec.name };

  const out: string[] = [
    `# GENERATED by scripts/generate-slo-rules.ts from ${source}: edit the spec, not this file.`,
    `# SLO ${spec.name}: ${pct(spec.objective)} of requests succeed over ${spec.period} (error budget ${pct(budget)}).`,
    '# Multi-window, multi-burn-rate alerts (SRE Workbook table 5-8): each fires while the error ratio over both its',
    '# long window and its short window (long/12) exceeds burn rate × budget. No `for`: the short window makes the',
    '# alert resolve soon after the errors stop, the long one keeps short blips from paging.',
  ];
  if (target === 'scaled') {
    out.push(
      `# Scaled for the 1 s game-day stack: every window ÷ ${factor} (${plan.alerts
        .map((a) => `${formatDuration(a.longS)}/${formatDuration(a.shortS)} → ${w(a.longS)}/${w(a.shortS)}`)
        .join(', ')}),`,
      '# evaluated every 1s. Thresholds are unchanged, so the detection delay after a step in the error ratio shrinks',
      `# by the same factor. The production windows are in fixtures/prometheus/production/${spec.output}.`,
    );
  } else {
    out.push(
      '# Production windows; the group runs at the global evaluation_interval. The 1 s game-day version of the same',
      `# alerts is fixtures/prometheus/rules/${spec.output}.`,
    );
  }
  out.push('groups:', `  - name: slo-${spec.name}`);
  if (target === 'scaled') out.push('    interval: 1s');
  out.push('    rules:');

  for (const s of windows) {
    const standsFor = target === 'scaled' ? ` (stands for ${formatDuration(s)})` : '';
    out.push(
      `      # Error ratio over ${w(s)}${standsFor}.`,
      `      - record: ${record(s)}`,
      '        expr: |',
      `          sum by (${by}) (rate(${spec.sli.errors}[${w(s)}]))`,
      '            /',
      `          sum by (${by}) (rate(${spec.sli.total}[${w(s)}]))`,
      '        labels:',
      ...Object.entries(sloLabel).map(([k, v]) => `          ${k}: ${v}`),
    );
  }

  for (const a of plan.alerts) {
    const threshold = `(${a.burnRate} * ${budget})`;
    const share = pct(a.budgetConsumed);
    const scaleNote =
      target === 'scaled'
        ? ` Game-day scale: ${w(a.longS)} and ${w(a.shortS)} stand for the production windows ${formatDuration(a.longS)} and ${formatDuration(a.shortS)}.`
        : '';
    const description =
      `{{ $value | humanizePercentage }} of requests to model {{ $labels.model }} failed over the last ${w(a.longS)},` +
      ` and more than ${pct(a.burnRate * budget)} over the last ${w(a.shortS)}: ${a.burnRate}× the rate that would` +
      ` spend the ${pct(budget)} error budget of the ${pct(spec.objective)} SLO in exactly ${spec.period}. At this` +
      ` rate ${share} of the budget goes in ${formatDuration(a.longS)}.${scaleNote}`;
    out.push(
      `      - alert: ${a.alert}`,
      '        expr: |',
      `          ${record(a.longS)} > ${threshold}`,
      '            and',
      `          ${record(a.shortS)} > ${threshold}`,
      '        labels:',
      `          severity: ${a.severity}`,
      ...Object.entries(spec.labels).map(([k, v]) => `          ${k}: ${v}`),
      '        annotations:',
      `          summary: "Model {{ $labels.model }} is burning its ${spec.period} error budget at ${a.burnRate}× the sustainable rate"`,
      '          description: >-',
      ...folded(description, '            '),
      `          runbook_url: "${spec.runbook_url}"`,
    );
  }
  return `${out.join('\n')}\n`;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SLO_DIR = 'fixtures/prometheus/slo';
export const SCALED_DIR = 'fixtures/prometheus/rules';
export const PRODUCTION_DIR = 'fixtures/prometheus/production';

export interface GeneratedFile {
  /** Path relative to the repository root. */
  path: string;
  content: string;
}

/** Renders every spec in fixtures/prometheus/slo/ (pure apart from reading them). Throws listing all issues. */
export async function generateAll(root: string = ROOT): Promise<GeneratedFile[]> {
  const names = (await readdir(join(root, SLO_DIR))).filter((n) => n.endsWith('.slo.yml')).sort();
  const files: GeneratedFile[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const source = `${SLO_DIR}/${name}`;
    const result = planSlo(parse(await readFile(join(root, source), 'utf8')));
    if (!result.ok) {
      problems.push(...result.issues.map((i) => `${source}: ${i}`));
      continue;
    }
    const { plan } = result;
    files.push(
      { path: `${SCALED_DIR}/${plan.spec.output}`, content: renderSloRules(plan, 'scaled', source) },
      { path: `${PRODUCTION_DIR}/${plan.spec.output}`, content: renderSloRules(plan, 'production', source) },
    );
  }
  if (problems.length > 0) throw new Error(`invalid SLO spec:\n  ${problems.join('\n  ')}`);
  return files;
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  let files: GeneratedFile[];
  try {
    files = await generateAll();
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  let stale = 0;
  for (const file of files) {
    const target = join(ROOT, file.path);
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === file.content) {
      console.log(`ok    ${file.path}`);
    } else if (check) {
      console.log(`STALE ${file.path} (run: node --import tsx scripts/generate-slo-rules.ts)`);
      stale++;
    } else {
      await writeFile(target, file.content);
      console.log(`wrote ${relative(ROOT, target)}`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = await main(process.argv.slice(2));
