import type { ApiRuleGroup } from './prometheus-client.ts';
import { parsePromDuration } from './rules.ts';

/**
 * Recognises alert expressions that compare error ratios over sliding windows with thresholds, the two
 * shapes whose detection time follows from arithmetic:
 *   plain ratio:  sum(rate(bad[W])) / sum(rate(all[W])) > k                       (ModelErrorRatioHigh)
 *   burn rate:    ratio_over_long > k and ratio_over_short > k                      (SRE Workbook 5-8)
 * where a ratio may be written inline or be the name of a recording rule whose expression is one. Works on
 * the rule files' text and on Prometheus' formatted `query` alike (whitespace and outer parentheses free).
 * Anything else (or, unless, bool, offsets, subqueries, a numerator that is not the denominator narrowed
 * to some status codes) is not recognised: no prediction rather than a wrong one.
 */

/** A label matcher of a selector: `code=~"5.."`. */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** One `ratio > threshold` condition of an alert. */
export interface RatioCondition {
  /** The range window of both rates, ms. */
  rangeMs: number;
  /** The ratio must exceed this (`>`), or reach it (`>=` when `inclusive`). */
  threshold: number;
  inclusive: boolean;
  /** The counter both rates read. */
  metric: string;
  /** The denominator's matchers (which requests count at all). */
  matchers: LabelMatcher[];
  /** What narrows the numerator to errors: matchers on the status-code label. */
  errorMatchers: LabelMatcher[];
  /** The recording rule the ratio came through, when it did. */
  recordedAs?: string;
}

/** An alert whose expression is the AND of one or more ratio conditions. */
export interface RatioShape {
  kind: 'plain-ratio' | 'burn-rate';
  conditions: RatioCondition[];
  /** The alert cannot fire unless the error ratio exceeds this (the largest threshold of the AND). */
  minErrorRatio: number;
}

/** Labels that carry an HTTP status code on request counters. */
const STATUS_LABELS = new Set(['code', 'status', 'status_code']);

/** The recording rules of the loaded groups, by name (the first definition of a name wins). */
export function recordingRules(groups: readonly ApiRuleGroup[]): Map<string, string> {
  const recorded = new Map<string, string>();
  for (const group of groups) {
    for (const rule of group.rules) {
      if (rule.type === 'recording' && !recorded.has(rule.name)) recorded.set(rule.name, rule.query);
    }
  }
  return recorded;
}

/** The shape of an alert expression, or undefined when it is not one of the two. */
export function recogniseRatioShape(
  expr: string,
  recorded: ReadonlyMap<string, string>,
): RatioShape | undefined {
  const conjuncts = splitTopLevel(normalise(expr), 'and');
  const conditions: RatioCondition[] = [];
  let viaRecording = false;
  for (const conjunct of conjuncts) {
    const condition = parseCondition(conjunct, recorded);
    if (!condition) return undefined;
    if (condition.recordedAs !== undefined) viaRecording = true;
    conditions.push(condition);
  }
  if (conditions.length === 0) return undefined;
  return {
    kind: conditions.length > 1 || viaRecording ? 'burn-rate' : 'plain-ratio',
    conditions,
    minErrorRatio: Math.max(...conditions.map((c) => c.threshold)),
  };
}

/** Whether a status code (e.g. 500) is counted by a condition's numerator. */
export function countsStatus(condition: Pick<RatioCondition, 'errorMatchers'>, status: number): boolean {
  return condition.errorMatchers.every((m) => matches(m, String(status)));
}

function matches(matcher: LabelMatcher, value: string): boolean {
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return safeRegex(matcher.value)?.test(value) ?? false;
    case '!~':
      return !(safeRegex(matcher.value)?.test(value) ?? true);
  }
}

/** Prometheus regexes are fully anchored. */
function safeRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return undefined;
  }
}

function parseCondition(text: string, recorded: ReadonlyMap<string, string>): RatioCondition | undefined {
  // `and on (model) …`: the matching modifier of the AND before this conjunct.
  const comparison = splitComparison(text.replace(/^(?:on|ignoring)\s*\([^()]*\)\s*/, ''));
  if (!comparison) return undefined;
  const threshold = evaluateNumber(comparison.right);
  if (threshold === undefined) return undefined;
  const ratio = parseRatio(comparison.left, recorded, 0);
  if (!ratio) return undefined;
  return { ...ratio, threshold, inclusive: comparison.op === '>=' };
}

type ParsedRatio = Omit<RatioCondition, 'threshold' | 'inclusive'>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function parseRatio(
  text: string,
  recorded: ReadonlyMap<string, string>,
  depth: number,
): ParsedRatio | undefined {
  const body = stripParens(text);
  // A recorded ratio: follow the recording rule to its expression (a few levels at most).
  const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^{}]*\})?$/.exec(body);
  if (name && !body.startsWith('rate(') && depth < 3) {
    const query = recorded.get(name[1]!);
    if (query === undefined) return undefined;
    const inner = parseRatio(normalise(query), recorded, depth + 1);
    return inner ? { ...inner, recordedAs: inner.recordedAs ?? name[1]! } : undefined;
  }
  const parts = splitTopLevel(body, '/');
  if (parts.length !== 2) return undefined;
  const numerator = parseRateSum(parts[0]!);
  const denominator = parseRateSum(parts[1]!);
  if (!numerator || !denominator) return undefined;
  if (numerator.metric !== denominator.metric || numerator.rangeMs !== denominator.rangeMs) return undefined;
  const key = (m: LabelMatcher) => `${m.name}${m.op}${m.value}`;
  const denominatorKeys = new Set(denominator.matchers.map(key));
  const numeratorKeys = new Set(numerator.matchers.map(key));
  // The numerator is the denominator narrowed by status-code matchers, nothing else.
  if (![...denominatorKeys].every((k) => numeratorKeys.has(k))) return undefined;
  const extra = numerator.matchers.filter((m) => !denominatorKeys.has(key(m)));
  if (extra.length === 0 || !extra.every((m) => STATUS_LABELS.has(m.name))) return undefined;
  return {
    rangeMs: numerator.rangeMs,
    metric: numerator.metric,
    matchers: denominator.matchers,
    errorMatchers: extra,
  };
}

/** `sum by (l) (rate(m{…}[W]))`, `sum(rate(…)) by (l)`, `sum(rate(…))` or a bare `rate(…)` / `increase(…)`. */
function parseRateSum(
  text: string,
): { metric: string; matchers: LabelMatcher[]; rangeMs: number } | undefined {
  let body = stripParens(text);
  const sumPrefix = /^sum\s*(?:(?:by|without)\s*\([^()]*\)\s*)?\(/.exec(body);
  if (sumPrefix) {
    const inner = body.slice(sumPrefix[0].length - 1);
    const close = matchingParen(inner, 0);
    if (close === undefined) return undefined;
    const rest = inner.slice(close + 1).trim();
    if (rest !== '' && !/^(?:by|without)\s*\([^()]*\)$/.test(rest)) return undefined;
    body = stripParens(inner.slice(0, close + 1));
  }
  const rate = /^(?:rate|increase)\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^{}]*\})?\s*\[([^\]]+)\]\s*\)$/.exec(
    body,
  );
  if (!rate) return undefined;
  const metric = rate[1]!;
  if (!METRIC_NAME.test(metric)) return undefined;
  const rangeMs = parsePromDuration(rate[3]!);
  const matchers = parseMatchers(rate[2] ?? '{}');
  if (rangeMs === undefined || rangeMs <= 0 || matchers === undefined) return undefined;
  return { metric, matchers, rangeMs };
}

function parseMatchers(text: string): LabelMatcher[] | undefined {
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const matchers: LabelMatcher[] = [];
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let index = 0;
  while (index < inner.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(inner);
    if (!match) return undefined;
    matchers.push({
      name: match[1]!,
      op: match[2] as LabelMatcher['op'],
      value: match[3]!.replace(/\\(.)/g, '$1'),
    });
    index = pattern.lastIndex;
  }
  return matchers;
}

/** `left > right` or `left >= right` at the top level (not `bool`). */
function splitComparison(text: string): { left: string; op: '>' | '>='; right: string } | undefined {
  const positions = topLevelScan(text).filter(
    (i) => text[i] === '>' && text[i - 1] !== '=' && text[i - 1] !== '!' && text[i - 1] !== '<',
  );
  if (positions.length !== 1) return undefined;
  const at = positions[0]!;
  const inclusive = text[at + 1] === '=';
  const right = text.slice(at + (inclusive ? 2 : 1)).trim();
  if (/^bool\b/.test(right)) return undefined;
  return { left: text.slice(0, at).trim(), op: inclusive ? '>=' : '>', right };
}

/** A constant arithmetic expression (`0.05`, `(14.4 * 0.005)`), or undefined. */
export function evaluateNumber(text: string): number | undefined {
  const tokens = text.match(/\d+(?:\.\d+)?(?:e[+-]?\d+)?|[()*/+-]|\S/gi) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const expression = (): number | undefined => {
    let value = term();
    while (value !== undefined && (peek() === '+' || peek() === '-')) {
      const op = tokens[at++];
      const right = term();
      if (right === undefined) return undefined;
      value = op === '+' ? value + right : value - right;
    }
    return value;
  };
  const term = (): number | undefined => {
    let value = factor();
    while (value !== undefined && (peek() === '*' || peek() === '/')) {
      const op = tokens[at++];
      const right = factor();
      if (right === undefined) return undefined;
      value = op === '*' ? value * right : value / right;
    }
    return value;
  };
  const factor = (): number | undefined => {
    const token = tokens[at++];
    if (token === undefined) return undefined;
    if (token === '(') {
      const value = expression();
      return tokens[at++] === ')' ? value : undefined;
    }
    if (token === '-') {
      const value = factor();
      return value === undefined ? undefined : -value;
    }
    return /^\d/.test(token) ? Number(token) : undefined;
  };
  const value = expression();
  return value !== undefined && at === tokens.length && Number.isFinite(value) ? value : undefined;
}

function normalise(expr: string): string {
  return expr.replace(/\s+/g, ' ').trim();
}

/** Removes parentheses that wrap the whole text. */
function stripParens(text: string): string {
  let body = text.trim();
  while (body.startsWith('(') && matchingParen(body, 0) === body.length - 1) body = body.slice(1, -1).trim();
  return body;
}

function matchingParen(text: string, open: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return undefined;
}

/** Indexes of characters outside quotes, parentheses, braces and brackets. */
function topLevelScan(text: string): number[] {
  const indexes: number[] = [];
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth += 1;
    else if (c === ')' || c === '}' || c === ']') depth -= 1;
    else if (depth === 0) indexes.push(i);
  }
  return indexes;
}

/** Splits at a top-level binary operator: `and` (a whole word) or a single character like `/`. */
function splitTopLevel(text: string, op: 'and' | '/'): string[] {
  const top = new Set(topLevelScan(text));
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (!top.has(i)) continue;
    if (op === '/' && text[i] === '/') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    } else if (
      op === 'and' &&
      text.slice(i, i + 3).toLowerCase() === 'and' &&
      /\s/.test(text[i - 1] ?? '') &&
      /[\s(]/.test(text[i + 3] ?? '')
    ) {
      parts.push(text.slice(start, i).trim());
      start = i + 3;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}
