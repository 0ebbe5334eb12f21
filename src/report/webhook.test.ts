import { describe, expect, it } from 'vitest';
import { rejectionWarning } from './format.ts';
import { buildRunJson, buildSummaryMarkdown, formatVerdictTable } from './index.ts';
import { at, sampleOutcome } from './testing.ts';

/** The webhook receiver's tally in every report: counted, and loud when something was refused. */
const forged = {
  accepted: 4,
  rejected: 2,
  rejections: [
    { at: at(20), remoteAddress: '127.0.0.1', reason: 'missing-secret' as const },
    { at: at(21), remoteAddress: '::1', reason: 'wrong-secret' as const },
  ],
};

describe('rejectionWarning', () => {
  it('says nothing when nothing was refused, and names count, reasons and senders otherwise', () => {
    expect(rejectionWarning({ accepted: 3, rejected: 0, rejections: [] })).toBeUndefined();
    const warning = rejectionWarning({
      accepted: 3,
      rejected: 2,
      rejections: [
        { at: 1, remoteAddress: '127.0.0.1', reason: 'missing-secret' },
        { at: 2, remoteAddress: '::1', reason: 'wrong-secret' },
      ],
    });
    expect(warning).toMatch(/refused 2 notifications without the run's secret/);
    expect(warning).toContain('missing-secret, wrong-secret');
    expect(warning).toContain('from 127.0.0.1, ::1');
    expect(warning).toMatch(/forge/);
  });
});

describe('the webhook tally in the reports', () => {
  it('run.json carries accepted and refused counts and each refusal with sender and reason', () => {
    expect(buildRunJson({ ...sampleOutcome(), webhook: forged }).webhook).toEqual({
      accepted: 4,
      rejected: 2,
      rejections: [
        { at: '2025-01-15T10:00:20.000Z', remoteAddress: '127.0.0.1', reason: 'missing-secret' },
        { at: '2025-01-15T10:00:21.000Z', remoteAddress: '::1', reason: 'wrong-secret' },
      ],
    });
    expect(buildRunJson(sampleOutcome()).webhook).toBeNull();
  });

  it('the verdict table warns loudly only when something was refused', () => {
    const quiet = formatVerdictTable(
      { ...sampleOutcome(), webhook: { accepted: 4, rejected: 0, rejections: [] } },
      { color: false },
    );
    expect(quiet).not.toMatch(/WARNING/);
    const loud = formatVerdictTable({ ...sampleOutcome(), webhook: forged }, { color: false });
    expect(loud).toContain(`WARNING: ${rejectionWarning(forged)}`);
  });

  it('summary.md counts accepted notifications and puts a refusal first among the warnings, in bold', () => {
    const quiet = buildSummaryMarkdown({
      ...sampleOutcome(),
      webhook: { accepted: 4, rejected: 0, rejections: [] },
    });
    expect(quiet).toContain(
      "The webhook receiver accepted 4 notifications carrying the run's secret and refused none.",
    );
    const md = buildSummaryMarkdown({ ...sampleOutcome(), webhook: forged });
    expect(md).toContain('and **refused 2 without it**');
    const warnings = md.slice(md.indexOf('## Warnings'));
    const items = warnings.split('\n').filter((l) => l.startsWith('- '));
    expect(items[0]).toMatch(/^- \*\*the webhook receiver refused 2 notifications/);
    expect(items).toHaveLength(2);
    // Already among the run's warnings (as the runner puts it there): listed once, still in bold.
    const again = buildSummaryMarkdown({
      ...sampleOutcome(),
      warnings: [rejectionWarning(forged)!],
      webhook: forged,
    });
    const againItems = again
      .slice(again.indexOf('## Warnings'))
      .split('\n')
      .filter((l) => l.startsWith('- '));
    expect(againItems).toHaveLength(1);
    expect(againItems[0]).toMatch(/^- \*\*the webhook receiver refused/);
  });
});
