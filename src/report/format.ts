/** Small formatting helpers shared by the reporters. Internal to src/report. */
import { formatDuration } from '../core/duration.ts';
import type { ExpectationResult, WebhookTally } from '../evaluate/types.ts';
import type { RunOutcome } from './types.ts';

/** Milliseconds rounded to 0.1 ms (keeps run.json free of float noise). */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function roundMsOrNull(ms: number | null | undefined): number | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? null : roundMs(ms);
}

export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

/** Offset of `at` from the run start, like `+12.3s`; `missing` when there is no time. */
export function offset(at: number | null | undefined, startedAt: number, missing = '—'): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return missing;
  const seconds = (at - startedAt) / 1000;
  const text = Math.abs(seconds).toFixed(1);
  return seconds < 0 && text !== '0.0' ? `-${text}s` : `+${text}s`;
}

export function durationOr(ms: number | null, missing: string): string {
  return ms === null || !Number.isFinite(ms) ? missing : formatDuration(ms);
}

export interface VerdictCounts {
  passed: number;
  failed: number;
  inconclusive: number;
}

export function countVerdicts(expectations: readonly ExpectationResult[]): VerdictCounts {
  const counts: VerdictCounts = { passed: 0, failed: 0, inconclusive: 0 };
  for (const e of expectations) counts[e.verdict] += 1;
  return counts;
}

/**
 * The one-line summary used at the end of the terminal table and in JUnit's system-out:
 * `verdict: passed (exit 0) · 5 passed, 0 failed, 0 inconclusive · report: reports/run-1`.
 */
export function summaryLine(
  outcome: RunOutcome,
  reportDir?: string,
  paint: (verdict: RunOutcome['verdict'], text: string) => string = (_v, t) => t,
): string {
  const c = countVerdicts(outcome.expectations);
  const parts = [
    `verdict: ${paint(outcome.verdict, outcome.verdict)} (exit ${outcome.exitCode})`,
    `${c.passed} passed, ${c.failed} failed, ${c.inconclusive} inconclusive`,
  ];
  if (reportDir !== undefined) parts.push(`report: ${reportDir}`);
  return parts.join(' · ');
}

/** Collapses line breaks and tabs into single spaces (for one-line cells). */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n\t]+\s*/g, ' ').trim();
}

/**
 * How to read a closed-model run (fixed concurrency), said wherever its figures are shown: its latency is
 * measured from each request's actual send, so it leaves out the queueing an open arrival process would see
 * (firedrill applies no coordinated-omission "correction"), and its throughput is what that concurrency
 * achieved against this server, not a capacity.
 */
export const CLOSED_MODEL_NOTE =
  'closed-model run (fixed concurrency): latency is measured from each request’s actual send, so it does not include the queueing a real open arrival process would see (no coordinated-omission correction is applied); throughput is what this concurrency achieved, not capacity';

/**
 * Pure: the loud line a run prints and reports when POSTs were refused, or undefined when none were.
 * Either something on the machine tried to forge a notification, or an Alertmanager is not sending the secret.
 */
export function rejectionWarning(tally: WebhookTally): string | undefined {
  if (tally.rejected === 0) return undefined;
  const from = [...new Set(tally.rejections.map((r) => r.remoteAddress))].join(', ');
  const reasons = [...new Set(tally.rejections.map((r) => r.reason))].join(', ');
  return (
    `the webhook receiver refused ${tally.rejected} notification${tally.rejected === 1 ? '' : 's'} without the run's secret` +
    ` (${reasons}; from ${from}): something tried to forge an alert notification, or an Alertmanager's webhook` +
    ' is not configured with the secret; refused notifications count for nothing (see the README, Trust)'
  );
}

/** A predicted detection time: "never" when the alert is predicted not to fire, "-" without a prediction. */
export function predictedText(ms: number | null | undefined): string {
  if (ms === undefined) return '-';
  return ms === null ? 'never' : durationOr(ms, '-');
}
