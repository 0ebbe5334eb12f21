import { describe, expect, it } from 'vitest';
import { buildJunitXml } from './index.ts';
import { escapeXmlAttr, escapeXmlText } from './junit.ts';
import { findAll, nasty, parseXml, sampleOutcome } from './testing.ts';

describe('buildJunitXml', () => {
  const xml = buildJunitXml(sampleOutcome());
  const root = parseXml(xml);
  const suites = findAll(root, 'testsuite');
  const suite = suites[0]!;
  const cases = findAll(suite, 'testcase');

  it('is one well-formed suite named after the scenario, with one testcase per expectation', () => {
    expect(root.name).toBe('testsuites');
    expect(suites).toHaveLength(1);
    expect(suite.attrs.name).toBe('firedrill.latency-spike');
    expect(cases.map((c) => [c.attrs.classname, c.attrs.name])).toEqual([
      ['latency-spike.alert-fires', 'latency-alert-fires'],
      ['latency-spike.alert-silent', 'errors-stay-silent'],
      ['latency-spike.alert-resolves', 'latency-alert-resolves'],
    ]);
  });

  it('counts tests, failures, skipped and errors', () => {
    expect(suite.attrs).toMatchObject({
      tests: '3',
      failures: '1',
      skipped: '1',
      errors: '0',
      time: '65.432',
    });
    expect(root.attrs).toMatchObject({ tests: '3', failures: '1', skipped: '1', errors: '0' });
    expect(findAll(suite, 'failure')).toHaveLength(1);
    expect(findAll(suite, 'skipped')).toHaveLength(1);
    expect(findAll(suite, 'error')).toHaveLength(0);
  });

  it('gives the passed case a time in seconds and no failure', () => {
    const passed = cases[0]!;
    expect(passed.attrs.time).toBe('2.800');
    expect(passed.children.map((c) => c.name)).toEqual(['system-out']);
  });

  it('puts a failure with the escaped detail, measured, budget and floor on the failed case', () => {
    const failure = findAll(cases[1]!, 'failure');
    expect(failure).toHaveLength(1);
    expect(failure[0]!.attrs.message).toBe(nasty);
    expect(failure[0]!.text).toContain(nasty);
    expect(failure[0]!.text).toContain('measured: n/a');
    expect(failure[0]!.text).toContain('budget: n/a');
    expect(xml).toContain('resnet&lt;&amp;&quot;&apos;&gt;');
    expect(xml).not.toContain(nasty);
  });

  it('marks the inconclusive case skipped, saying inconclusive', () => {
    const skipped = findAll(cases[2]!, 'skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.attrs.message).toBe('inconclusive: prometheus unreachable from +44.0s to +52.0s');
    expect(findAll(cases[2]!, 'failure')).toHaveLength(0);
  });

  it('has runId and verdict properties and the summary line in system-out', () => {
    const props = Object.fromEntries(findAll(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({
      runId: '20250115-100000-latency-spike-a1b2',
      verdict: 'failed',
      exitCode: '10',
      trafficEngine: 'undici',
      trafficModel: 'open',
    });
    const out = suite.children.filter((c) => c.name === 'system-out');
    expect(out).toHaveLength(1);
    expect(out[0]!.text).toBe('verdict: failed (exit 10) · 1 passed, 1 failed, 1 inconclusive');
  });

  it('yields a valid suite with one <error> testcase for an errored run with no verdicts', () => {
    const o = sampleOutcome();
    o.verdict = 'errored';
    o.exitCode = 3;
    o.reason = 'Prometheus at http://127.0.0.1:39090 refused <connections> & died';
    o.expectations = [];
    const doc = parseXml(buildJunitXml(o));
    const s = findAll(doc, 'testsuite')[0]!;
    expect(s.attrs).toMatchObject({ tests: '1', failures: '0', skipped: '0', errors: '1' });
    const tc = findAll(s, 'testcase');
    expect(tc).toHaveLength(1);
    expect(tc[0]!.attrs).toMatchObject({ name: 'run', classname: 'latency-spike.run' });
    const error = findAll(tc[0]!, 'error')[0]!;
    expect(error.attrs.message).toBe(o.reason);
    expect(error.attrs.type).toBe('errored');
  });

  it('adds the error testcase beside judged expectations of an aborted run, naming unreverted faults', () => {
    const o = sampleOutcome();
    o.verdict = 'aborted';
    o.exitCode = 130;
    o.faults[0]!.revertError = 'docker unpause failed';
    o.faults[0]!.cleanupHint = 'firedrill recover';
    const s = findAll(parseXml(buildJunitXml(o)), 'testsuite')[0]!;
    expect(s.attrs).toMatchObject({ tests: '4', failures: '1', skipped: '1', errors: '1' });
    const error = findAll(s, 'error')[0]!;
    expect(error.attrs.message).toBe('run aborted (exit 130)');
    expect(error.text).toContain('fault f1 (gpu-throttle) not reverted: docker unpause failed');
    expect(error.text).toContain('cleanup: firedrill recover');
  });
});

describe('XML escaping', () => {
  it('escapes the five special characters', () => {
    expect(escapeXmlText(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });

  it('strips control characters and lone surrogates but keeps tab, newline and astral characters', () => {
    expect(escapeXmlText('a\u0000b\u0007c\u001bd\te\nf\uFFFEg\uD800h😀')).toBe('abcd\te\nfgh😀');
  });

  it('keeps line breaks in attributes as character references', () => {
    expect(escapeXmlAttr('one\ntwo\tthree')).toBe('one&#10;two&#9;three');
  });

  it('produces parseable output for any control character in a detail', () => {
    const o = sampleOutcome();
    const detail = `bad ${String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i))} end`;
    o.expectations[1]!.detail = detail;
    const doc = parseXml(buildJunitXml(o));
    const message = findAll(doc, 'failure')[0]!.attrs.message!;
    expect(message).toBe(`bad \t\n\r end`);
  });
});
