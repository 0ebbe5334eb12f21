import { formatDuration } from '../core/duration.ts';
import type { RunProgress } from '../run/index.ts';

/**
 * One line of live state: phase, offered→achieved rate (open model) or users and achieved rate (closed
 * model, which offers no rate of its own), p99, faults, alerts pending/firing.
 */
export function formatProgress(p: RunProgress): string {
  const parts = [
    `${formatDuration(p.elapsedMs)}/${formatDuration(p.totalMs)}`,
    p.phase,
    p.model === 'closed'
      ? `${p.inFlight} VUs · rate ${p.achievedRate.toFixed(0)}/s`
      : `rate ${p.offeredRate.toFixed(0)}→${p.achievedRate.toFixed(0)}/s`,
    `p99 ${p.p99Ms === null ? '-' : `${p.p99Ms.toFixed(0)}ms`}`,
    `faults ${p.faults.length > 0 ? p.faults.join(',') : '-'}`,
    `pending ${p.pending.length > 0 ? p.pending.join(',') : '-'}`,
    `firing ${p.firing.length > 0 ? p.firing.join(',') : '-'}`,
  ];
  return parts.join(' · ');
}

/**
 * On a terminal: one line redrawn in place. Elsewhere: a plain timestamped line every `everyMs`.
 * `clear()` removes the live line before other output.
 */
export function progressPrinter(stream: NodeJS.WriteStream, everyMs = 5000) {
  const tty = stream.isTTY === true;
  let lastPrinted = 0;
  let drawn = false;
  return {
    update(p: RunProgress) {
      const line = formatProgress(p);
      if (tty) {
        const width = stream.columns ?? 120;
        stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
        drawn = true;
      } else if (p.elapsedMs - lastPrinted >= everyMs) {
        lastPrinted = p.elapsedMs;
        stream.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      }
    },
    clear() {
      if (tty && drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
