import { describe, expect, it } from 'vitest';
import { formatVerdictTable } from './index.ts';
import { sampleOutcome } from './testing.ts';

const esc = '\u001b';
const stripAnsi = (s: string) =>
  s
    .split(esc)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, '')))
    .join('');

describe('formatVerdictTable', () => {
  const plain = formatVerdictTable(sampleOutcome(), { color: false, reportDir: 'reports/20250115-100000' });
  const lines = plain.trimEnd().split('\n');

  it('has a header, one row per expectation and the summary line', () => {
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^VERDICT\s+EXPECTATION\s+MEASURED\s+BUDGET\s+FLOOR\s+DETAIL$/);
    expect(lines[1]).toMatch(
      /^passed\s+latency-alert-fires\s+2\.8s\s+10s\s+2s\s+fired 2\.8s after injection/,
    );
    expect(lines[2]).toMatch(/^failed\s+errors-stay-silent\s+-\s+-\s+-\s+label model=/);
    expect(lines[3]).toMatch(
      /^inconclusive\s+latency-alert-resolves\s+-\s+30s\s+1s\s+prometheus unreachable/,
    );
    expect(lines[4]).toBe(
      'verdict: failed (exit 10) · 1 passed, 1 failed, 1 inconclusive · report: reports/20250115-100000',
    );
  });

  it('aligns columns: every column starts at the same place on every row', () => {
    const rows = lines.slice(0, 4);
    const detailAt = rows.map((r) => r.indexOf(r === rows[0] ? 'DETAIL' : r.split(/\s{2,}/).at(-1)!));
    expect(new Set(detailAt).size).toBe(1);
    const expectationAt = rows.map((r) => r.search(/(EXPECTATION|latency-|errors-)/));
    expect(new Set(expectationAt).size).toBe(1);
    expect(expectationAt[0]).toBe('inconclusive'.length + 2);
    // numbers are right-aligned: MEASURED column ends at the same place
    const measuredEnd = lines[0]!.indexOf('MEASURED') + 'MEASURED'.length;
    expect(lines[1]!.slice(0, measuredEnd).endsWith('2.8s')).toBe(true);
  });

  it('has no ANSI codes without colour, and colours verdicts when asked', () => {
    expect(plain).not.toContain(esc);
    const colored = formatVerdictTable(sampleOutcome(), {
      color: true,
      reportDir: 'reports/20250115-100000',
    });
    expect(colored).toContain(`${esc}[32mpassed`);
    expect(colored).toContain(`${esc}[31mfailed`);
    expect(colored).toContain(`${esc}[33minconclusive`);
    expect(colored).toContain(`verdict: ${esc}[31mfailed${esc}[0m (exit 10)`);
    // colour does not change the layout
    expect(stripAnsi(colored)).toBe(plain);
  });

  it('truncates the detail to the width and keeps it on one line', () => {
    const o = sampleOutcome();
    o.expectations[0]!.detail = `${'x'.repeat(100)}\nsecond line`;
    const text = formatVerdictTable(o, { color: false, detailWidth: 20 });
    const row = text.split('\n')[1]!;
    expect(row.endsWith(`${'x'.repeat(19)}…`)).toBe(true);
    expect(text).not.toContain('second line');
  });

  it('omits the report part without a dir and says why an errored run has no rows', () => {
    const o = sampleOutcome();
    o.verdict = 'errored';
    o.exitCode = 3;
    o.reason = 'Prometheus unreachable';
    o.expectations = [];
    const text = formatVerdictTable(o, { color: false });
    expect(text).toContain('(no expectation was judged)');
    expect(text).toContain('reason: Prometheus unreachable');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'verdict: errored (exit 3) · 0 passed, 0 failed, 0 inconclusive',
    );
  });

  it('says plainly that a closed-model run measured latency from the actual send, before the verdict line', () => {
    expect(plain).not.toContain('closed-model');
    const o = sampleOutcome();
    o.traffic!.model = 'closed';
    const lines = formatVerdictTable(o, { color: false }).trimEnd().split('\n');
    const note = lines.at(-2)!;
    expect(note).toMatch(/^note: closed-model run \(fixed concurrency\)/);
    expect(note).toContain('from each request’s actual send');
    expect(note).toContain('does not include the queueing a real open arrival process would see');
    expect(note).toContain('not capacity');
    expect(lines.at(-1)).toMatch(/^verdict: failed/);
  });
});
