import { FiredrillError } from '../core/errors.ts';
import { type JournalEvent, type JournalEventType, journalEventTypes } from '../journal/index.ts';

/** The environment variable of the kill-point hook. */
export const killAtVariable = 'FIREDRILL_TEST_KILL_AT';

/**
 * Tests only: `FIREDRILL_TEST_KILL_AT=<event-type>[:<n>]` makes `firedrill run` SIGKILL itself right after
 * the n-th (default: first) journal event of that type is on disk — a crash at an exact point of a run, for
 * the kill-point tests (test/integration/kill-points.test.ts). Unset, it returns undefined and nothing
 * changes; a value that names no event type is a usage error, never ignored.
 */
export function killAtHook(
  env: NodeJS.ProcessEnv,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): ((event: JournalEvent) => void) | undefined {
  const value = env[killAtVariable];
  if (value === undefined || value === '') return undefined;
  const match = /^([a-z-]+)(?::([1-9]\d*))?$/.exec(value);
  const type = match?.[1] as JournalEventType | undefined;
  if (!match || !type || !(journalEventTypes as readonly string[]).includes(type)) {
    throw new FiredrillError('FD_USAGE', `${killAtVariable}: "${value}" is not <event-type>[:<n>]`, {
      hint: `event types: ${journalEventTypes.join(', ')}`,
    });
  }
  const nth = Number(match[2] ?? 1);
  let seen = 0;
  return (event) => {
    if (event.type === type && ++seen === nth) kill();
  };
}
