export {
  type JournalEvent,
  type JournalEventType,
  type JournalSink,
  journalEventTypes,
} from './events.ts';
export { FileJournal, parseJournal } from './journal.ts';
