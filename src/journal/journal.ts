import { appendFileSync, writeFileSync } from 'node:fs';
import type { JournalEvent, JournalSink } from './events.ts';

/**
 * The run journal on disk: one JSON event per line in `events.ndjson`, appended synchronously so an
 * event is on disk before the action it announces runs (write-ahead; `firedrill recover` and crash
 * forensics rely on it). Also keeps the events in memory for the reports.
 */
export class FileJournal implements JournalSink {
  readonly events: JournalEvent[] = [];
  private readonly afterAppend: ((event: JournalEvent) => void) | undefined;
  /**
   * A new journal (the file is truncated). `afterAppend` is called with each event once it is on disk
   * (the kill-point tests crash the process there; see src/cli/test-hooks.ts).
   */
  constructor(
    readonly file: string,
    options: { append?: boolean; afterAppend?: ((event: JournalEvent) => void) | undefined } = {},
  ) {
    if (!options.append) writeFileSync(file, '');
    this.afterAppend = options.afterAppend;
  }
  /** Appends to an existing journal (`firedrill recover` adds its events to the crashed run's). */
  static appendTo(file: string): FileJournal {
    return new FileJournal(file, { append: true });
  }
  append(event: JournalEvent): void {
    appendFileSync(this.file, `${JSON.stringify(event)}\n`);
    this.events.push(event);
    this.afterAppend?.(event);
  }
}

/** Reads an events.ndjson file back (for `firedrill recover` and tests); skips a torn last line. */
export function parseJournal(text: string): JournalEvent[] {
  const events: JournalEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as JournalEvent);
    } catch {
      // A crash can tear the last line; everything before it stands.
    }
  }
  return events;
}
