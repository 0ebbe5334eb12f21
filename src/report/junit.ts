/**
 * junit.xml: one <testsuite> per run, one <testcase> per expectation (never one testcase for a whole run).
 * failed → <failure>, inconclusive → <skipped> (neither pass nor fail for JUnit consumers). An errored or
 * aborted run adds one <testcase name="run"> holding an <error> that says why, so CI never sees a green,
 * empty suite for a run that could not be judged.
 */
import { assertNever } from '../core/errors.ts';
import type { ExpectationResult } from '../evaluate/types.ts';
import { countVerdicts, durationOr, summaryLine } from './format.ts';
import type { RunOutcome } from './types.ts';

/**
 * Drops what XML 1.0 does not allow at all: C0 controls other than tab, LF and CR; U+FFFE and U+FFFF;
 * lone surrogates (iteration by code point yields them as single units in D800–DFFF).
 */
function stripInvalidXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const invalid =
      (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) ||
      (cp >= 0xd800 && cp <= 0xdfff) ||
      cp === 0xfffe ||
      cp === 0xffff;
    if (!invalid) out += ch;
  }
  return out;
}

/** Escapes text content: the five special characters, invalid characters stripped. */
export function escapeXmlText(text: string): string {
  return stripInvalidXml(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Escapes an attribute value; tab and line breaks become character references so they survive parsing. */
export function escapeXmlAttr(text: string): string {
  return escapeXmlText(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function attrs(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`)
    .join('');
}

function seconds(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) || ms < 0 ? '0.000' : (ms / 1000).toFixed(3);
}

function timingLines(e: ExpectationResult): string {
  return [
    `measured: ${durationOr(e.measuredMs, 'n/a')}`,
    `budget: ${durationOr(e.budgetMs, 'n/a')}`,
    `floor: ${durationOr(e.floorMs, 'n/a')}`,
  ].join('\n');
}

function testcase(scenario: string, e: ExpectationResult): string {
  const open = `    <testcase${attrs({ classname: `${scenario}.${e.kind}`, name: e.id, time: seconds(e.measuredMs) })}`;
  const body = `${e.detail}\nsubject: ${e.subject}\n${timingLines(e)}`;
  switch (e.verdict) {
    case 'passed':
      return `${open}>\n      <system-out>${escapeXmlText(body)}</system-out>\n    </testcase>`;
    case 'failed':
      return `${open}>\n      <failure${attrs({ message: e.detail, type: e.kind })}>${escapeXmlText(body)}</failure>\n    </testcase>`;
    case 'inconclusive':
      return `${open}>\n      <skipped${attrs({ message: `inconclusive: ${e.detail}` })}/>\n      <system-out>${escapeXmlText(body)}</system-out>\n    </testcase>`;
    default:
      return assertNever(e.verdict, 'verdict');
  }
}

function runErrorCase(outcome: RunOutcome): string | null {
  if (outcome.verdict !== 'errored' && outcome.verdict !== 'aborted') return null;
  const why = outcome.reason ?? `run ${outcome.verdict} (exit ${outcome.exitCode})`;
  const body = [why, `verdict: ${outcome.verdict}`, `exit code: ${outcome.exitCode}`];
  for (const f of outcome.faults) {
    if (f.revertError !== null) {
      body.push(`fault ${f.id} (${f.kind}) not reverted: ${f.revertError}`);
      if (f.cleanupHint !== null) body.push(`  cleanup: ${f.cleanupHint}`);
    }
  }
  return [
    `    <testcase${attrs({ classname: `${outcome.scenario.name}.run`, name: 'run', time: '0.000' })}>`,
    `      <error${attrs({ message: why, type: outcome.verdict })}>${escapeXmlText(body.join('\n'))}</error>`,
    '    </testcase>',
  ].join('\n');
}

/** One run's <testsuite> element (indented for a <testsuites> document) and its totals. */
export function junitTestsuite(
  outcome: RunOutcome,
  suiteName = `firedrill.${outcome.scenario.name}`,
): {
  xml: string;
  totals: { tests: number; failures: number; errors: number; skipped: number; time: number };
} {
  const name = outcome.scenario.name;
  const counts = countVerdicts(outcome.expectations);
  const errorCase = runErrorCase(outcome);
  const tests = outcome.expectations.length + (errorCase === null ? 0 : 1);
  const errors = errorCase === null ? 0 : 1;
  const totals = {
    tests,
    failures: counts.failed,
    errors,
    skipped: counts.inconclusive,
    time: seconds(outcome.endedAt - outcome.startedAt),
  };
  const cases = outcome.expectations.map((e) => testcase(name, e));
  if (errorCase !== null) cases.push(errorCase);
  const xml = [
    `  <testsuite${attrs({ name: suiteName, ...totals, timestamp: new Date(outcome.startedAt).toISOString() })}>`,
    '    <properties>',
    `      <property${attrs({ name: 'runId', value: outcome.runId })}/>`,
    `      <property${attrs({ name: 'verdict', value: outcome.verdict })}/>`,
    `      <property${attrs({ name: 'exitCode', value: outcome.exitCode })}/>`,
    `      <property${attrs({ name: 'scenarioFile', value: outcome.scenario.file })}/>`,
    // The workload model belongs beside the latency figures it qualifies: a closed run's are from each send.
    ...(outcome.traffic === null
      ? []
      : [
          `      <property${attrs({ name: 'trafficEngine', value: outcome.traffic.engine })}/>`,
          `      <property${attrs({ name: 'trafficModel', value: outcome.traffic.model })}/>`,
        ]),
    '    </properties>',
    ...cases,
    `    <system-out>${escapeXmlText(summaryLine(outcome))}</system-out>`,
    '  </testsuite>',
  ].join('\n');
  return { xml, totals: { ...totals, time: Number(totals.time) } };
}

/** A <testsuites> document around testsuite elements, with their totals summed. */
export function junitDocument(
  name: string,
  suites: ReadonlyArray<ReturnType<typeof junitTestsuite>>,
): string {
  const sum = (key: 'tests' | 'failures' | 'errors' | 'skipped') =>
    suites.reduce((total, suite) => total + suite.totals[key], 0);
  const time = suites.reduce((total, suite) => total + suite.totals.time, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name, tests: sum('tests'), failures: sum('failures'), errors: sum('errors'), skipped: sum('skipped'), time: time.toFixed(3) })}>`,
    ...suites.map((suite) => suite.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

export function buildJunitXml(outcome: RunOutcome): string {
  return junitDocument('firedrill', [junitTestsuite(outcome)]);
}
