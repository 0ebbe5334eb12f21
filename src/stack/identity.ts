import { readFileSync } from 'node:fs';

/**
 * A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or null where there is no
 * /proc or the process is gone. A pid and its start time name one process for good: a pid reused by another
 * process has a later start time. Journaled with every stack component, so that `firedrill recover` kills
 * only the very processes a run started.
 */
export function processStartTicks(pid: number): number | null {
  const ticks = Number(statFields(pid)?.[19]);
  return Number.isInteger(ticks) ? ticks : null;
}

/** True for a zombie (exited, not yet reaped by its parent): it holds its pid but runs nothing. */
export function isZombie(pid: number): boolean {
  return statFields(pid)?.[0] === 'Z';
}

/** /proc/<pid>/stat from field 3 (state) on, or undefined where it cannot be read. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces or ')': the fields after it follow the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** What a stack reports as it starts each component; `firedrill run` journals it (write-ahead). */
export type ComponentEvent =
  | {
      phase: 'starting';
      name: string;
      /** The executable and its arguments (no secrets: tokens go through the environment). */
      command: string[];
      logFile: string;
      /** The stack's data folder (configs, TSDB, Redis files). */
      dataDir: string;
    }
  | {
      phase: 'started';
      name: string;
      pid: number;
      /** See processStartTicks; null where it cannot be read. */
      startTicks: number | null;
    };
