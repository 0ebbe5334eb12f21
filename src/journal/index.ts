export type { JournalEvent, JournalEventType, JournalSink } from './events.ts';
export { FileJournal, parseJournal } from './journal.ts';
