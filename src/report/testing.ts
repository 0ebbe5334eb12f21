/**
 * Test support for src/report (not exported from index.ts): a realistic RunOutcome and a tiny strict XML
 * reader, so JUnit output is checked by parsing rather than by pattern matching.
 */
import type { RunOutcome, SecondStats } from './types.ts';

export const t0 = Date.UTC(2025, 0, 15, 10, 0, 0);
/** Epoch ms of an offset in seconds from the run start. */
export const at = (seconds: number): number => t0 + Math.round(seconds * 1000);

/** A detail that every escaper must survive. */
export const nasty = `label model="resnet<&"'>" fired`;

/**
 * latency-spike: one fault (kill the model server's GPU worker), ModelLatencyHigh fires within budget,
 * ModelErrorRateHigh fires although it should stay silent, ModelLatencyHigh's resolution is inconclusive
 * because Prometheus was unreachable during the recovery window.
 */
export function sampleOutcome(): RunOutcome {
  return {
    runId: '20250115-100000-latency-spike-a1b2',
    scenario: {
      name: 'latency-spike',
      description: 'GPU throttling raises p99 latency; ModelLatencyHigh must fire within 10s',
      file: 'scenarios/latency-spike.ts',
    },
    startedAt: t0,
    endedAt: at(65.4321),
    verdict: 'failed',
    exitCode: 10,
    stack: {
      prometheus: 'http://127.0.0.1:39090',
      alertmanager: 'http://127.0.0.1:39093',
      target: 'http://127.0.0.1:38080',
      embedded: true,
    },
    faults: [
      {
        id: 'f1',
        kind: 'gpu-throttle',
        backend: 'local',
        params: { factor: 4, durationMs: 30_000 },
        injectedAt: at(12.3),
        landedAt: at(12.8),
        landedEvidence: 'fixture reports gpu_clock_throttle_reasons=4',
        notLandedReason: null,
        revertedAt: at(42.3),
        revertError: null,
        cleanupHint: null,
      },
    ],
    alerts: [
      {
        name: 'ModelLatencyHigh',
        labels: { alertname: 'ModelLatencyHigh', severity: 'page', model: 'resnet50' },
        pendingAt: at(13.0),
        firingAt: at(15.1),
        notifiedAt: at(15.6),
        resolvedAt: null,
        endedAt: null,
        source: 'alerts-series',
      },
      {
        name: 'ModelErrorRateHigh',
        labels: { alertname: 'ModelErrorRateHigh', severity: 'ticket', model: 'resnet<&"\'>' },
        pendingAt: at(18.0),
        firingAt: at(20.0),
        notifiedAt: null,
        resolvedAt: at(50.25),
        source: 'api',
      },
    ],
    floors: [
      {
        alert: 'ModelLatencyHigh',
        floorMs: 2000,
        jitterMs: 2000,
        explanation: 'scrape 1s, eval 1s, for 2s, group_wait 0s',
        measure: 'firing',
      },
    ],
    predictions: [],
    expectations: [
      {
        id: 'latency-alert-fires',
        kind: 'alert-fires',
        subject: 'ModelLatencyHigh',
        verdict: 'passed',
        measuredMs: 2800.04,
        budgetMs: 10_000,
        floorMs: 2000,
        detail: 'fired 2.8s after injection (budget 10s, floor 2s)',
      },
      {
        id: 'errors-stay-silent',
        kind: 'alert-silent',
        subject: 'ModelErrorRateHigh',
        verdict: 'failed',
        measuredMs: null,
        budgetMs: null,
        floorMs: null,
        detail: nasty,
      },
      {
        id: 'latency-alert-resolves',
        kind: 'alert-resolves',
        subject: 'ModelLatencyHigh',
        verdict: 'inconclusive',
        measuredMs: null,
        budgetMs: 30_000,
        floorMs: 1000,
        detail: 'prometheus unreachable from +44.0s to +52.0s',
      },
    ],
    traffic: {
      engine: 'undici',
      model: 'open',
      sent: 1300,
      completed: 1296,
      errors: 12,
      timeouts: 4,
      dropped: 0,
      late: 3,
      maxLateMs: 4.26,
      saturated: false,
      latencyMs: { p50: 11.04, p90: 25.55, p99: 180.123, max: 512.9, count: 1284 },
    },
    phases: {
      baseline: {
        windows: 10,
        seconds: 10,
        sent: 200,
        ok: 200,
        errors: 0,
        completed: 200,
        errorRatio: 0,
        wrongAnswers: null,
        wrongAnswerRatio: null,
        throughput: 20,
        late: 0,
        maxLateMs: 0,
        dropped: 0,
        latencyMs: { p50: 9.5, p90: 12.25, p99: 20.01, max: 31.7, count: 200 },
      },
      fault: {
        windows: 30,
        seconds: 30,
        sent: 600,
        ok: 588,
        errors: 12,
        completed: 600,
        errorRatio: 12 / 600,
        wrongAnswers: null,
        wrongAnswerRatio: null,
        throughput: 20,
        late: 3,
        maxLateMs: 4.26,
        dropped: 0,
        latencyMs: { p50: 40.1, p90: 120.4, p99: 300.9, max: 512.9, count: 588 },
      },
    },
    blind: [
      { backend: 'prometheus', fromAt: at(44), toAt: at(52), reason: 'connect ECONNREFUSED 127.0.0.1:39090' },
    ],
    warnings: ['scrape interval 1s is longer than half of the shortest budget'],
    stages: [{ name: 'steady', kind: 'constant', startAt: t0, endAt: at(60), rateFrom: 20, rateTo: 20 }],
    seconds: [
      second(12, { p50Ms: 9.5, p99Ms: 20.01 }),
      second(13, { p50Ms: 40.1, p99Ms: 300.9, errors: 3, errorRatio: 0.15, late: 2 }),
      second(14, { p50Ms: null, p99Ms: null, errors: 20, errorRatio: 1 }),
    ],
  };
}

/** One second of traffic at offset `s` seconds: 20 offered, sent and completed, with `overrides`. */
export function second(s: number, overrides: Partial<SecondStats> = {}): SecondStats {
  return {
    startAt: at(s),
    intended: 20,
    sent: 20,
    completed: 20,
    errors: 0,
    errorRatio: 0,
    late: 0,
    dropped: 0,
    p50Ms: 10,
    p99Ms: 20,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------------
// A tiny strict XML reader: elements, attributes, text, the five entities and numeric references, the
// XML declaration. Throws on anything malformed (unbalanced or mismatched tags, bare `&` or `<`, unquoted
// or duplicate attributes, characters XML 1.0 forbids, more than one root).

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isNameChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || '-_.:'.includes(c);
}

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`invalid XML at ${i}: ${why}`);
  };
  for (const ch of xml) {
    const cp = ch.codePointAt(0) ?? 0;
    if ((cp < 0x20 && cp !== 9 && cp !== 10 && cp !== 13) || (cp >= 0xd800 && cp <= 0xdfff)) {
      fail(`forbidden character U+${cp.toString(16)}`);
    }
  }
  const decode = (raw: string): string => {
    let out = '';
    for (let k = 0; k < raw.length; k++) {
      const c = raw[k]!;
      if (c === '<') fail('raw < in text or attribute');
      if (c !== '&') {
        out += c;
        continue;
      }
      const end = raw.indexOf(';', k);
      if (end < 0) fail('bare &');
      const ref = raw.slice(k + 1, end);
      if (ref.startsWith('#x')) out += String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
      else if (ref.startsWith('#')) out += String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
      else if (ref in entities) out += entities[ref];
      else fail(`unknown entity &${ref};`);
      k = end;
    }
    return out;
  };
  const readName = (): string => {
    const start = i;
    while (i < xml.length && isNameChar(xml[i]!)) i++;
    if (i === start) fail('expected a name');
    return xml.slice(start, i);
  };
  const skipSpace = () => {
    while (i < xml.length && ' \t\r\n'.includes(xml[i]!)) i++;
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? xml.length : lt;
    const text = decode(xml.slice(i, textEnd));
    const top = stack[stack.length - 1];
    if (top) top.text += text;
    else if (text.trim() !== '') fail('text outside the root element');
    if (lt < 0) break;
    i = lt + 1;
    if (xml[i] === '/') {
      i++;
      const name = readName();
      skipSpace();
      if (xml[i] !== '>') fail('expected >');
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> does not close <${open?.name}>`);
      continue;
    }
    const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (xml[i] === '/' && xml[i + 1] === '>') {
        i += 2;
        break;
      }
      if (xml[i] === '>') {
        i++;
        stack.push(el);
        break;
      }
      if (i === before) fail('expected whitespace before attribute');
      const attr = readName();
      if (xml[i] !== '=' || xml[i + 1] !== '"') fail(`attribute ${attr} not written as ="..."`);
      const close = xml.indexOf('"', i + 2);
      if (close < 0) fail('unterminated attribute');
      if (attr in el.attrs) fail(`duplicate attribute ${attr}`);
      el.attrs[attr] = decode(xml.slice(i + 2, close));
      i = close + 1;
    }
    const parent = stack[stack.length - (stack[stack.length - 1] === el ? 2 : 1)];
    if (parent) parent.children.push(el);
    else if (root === null) root = el;
    else fail('second root element');
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root === null) fail('no root element');
  return root!;
}

/** Every descendant element with this name, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}
