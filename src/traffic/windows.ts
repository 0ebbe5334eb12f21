import { addEncoded, createHistogram, summarizeHistogram } from './histogram.ts';
import { StreamStats } from './sse.ts';
import type { PhaseStats, TrafficWindow } from './types.ts';

/**
 * Aggregate a phase: counts summed, ok histograms decoded and merged exactly (never percentiles
 * averaged). Each window is one second, so throughput = completed / windows.length. Wrong answers are
 * completed requests (neither ok nor errors); they are counted when some window checked responses, that is
 * carries `wrongAnswers` (validation on) or `streaming` (streamed answers are parsed), else null.
 */
export function summarizeWindows(windows: readonly TrafficWindow[]): PhaseStats {
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let wrongAnswers = 0;
  let checked = false;
  let late = 0;
  let maxLateMs = 0;
  let dropped = 0;
  const merged = createHistogram();
  let streamed: StreamStats | null = null;
  for (const window of windows) {
    if (window.streaming !== undefined) {
      streamed ??= new StreamStats();
      streamed.addWindow(window.streaming);
    }
    sent += window.sent;
    ok += window.ok;
    errors += window.httpErrors + window.networkErrors + window.timeouts;
    wrongAnswers += window.wrongAnswers ?? 0;
    checked ||= window.wrongAnswers !== undefined || window.streaming !== undefined;
    late += window.late;
    maxLateMs = Math.max(maxLateMs, window.maxLateMs ?? 0);
    dropped += window.dropped;
    addEncoded(merged, window.okHistogram);
  }
  const completed = ok + errors + wrongAnswers;
  const seconds = windows.length;
  const latencyMs = summarizeHistogram(merged);
  merged.destroy();
  const ratio = (count: number) => (completed === 0 ? 0 : count / completed);
  const streaming = streamed?.toSummary(seconds);
  streamed?.destroy();
  return {
    windows: windows.length,
    seconds,
    sent,
    ok,
    errors,
    completed,
    errorRatio: ratio(errors),
    wrongAnswers: checked ? wrongAnswers : null,
    wrongAnswerRatio: checked ? ratio(wrongAnswers) : null,
    throughput: seconds === 0 ? 0 : completed / seconds,
    late,
    maxLateMs,
    dropped,
    latencyMs,
    ...(streaming ? { streaming } : {}),
  };
}
