import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FiredrillError, formatError } from '../core/errors.ts';
import { type JournalEvent, parseJournal } from '../journal/index.ts';
import { type RunJson, runJsonSchema } from './run-json-schema.ts';

/** A finished run folder as data: its run.json (checked against the schema) and its journal. */
export interface RunDir {
  dir: string;
  run: RunJson;
  events: JournalEvent[];
}

/**
 * Reads `<dir>/run.json` and `<dir>/events.ndjson`. A missing file or a run.json that does not match
 * schemaVersion 1 is FD_USAGE (exit 2) naming the file and every field that is wrong.
 */
export async function readRunDir(dir: string): Promise<RunDir> {
  const runFile = path.join(dir, 'run.json');
  const eventsFile = path.join(dir, 'events.ndjson');
  // One after the other, so a folder missing both is reported by its run.json, every time.
  const runText = await read(runFile);
  const eventsText = await read(eventsFile);
  let data: unknown;
  try {
    data = JSON.parse(runText);
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `${runFile} is not JSON: ${formatError(error)}`);
  }
  const parsed = runJsonSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${runFile}: ${issue.path.map(String).join('.') || '(top)'}: ${issue.message}`,
    );
    throw new FiredrillError(
      'FD_USAGE',
      `${runFile} is not a run.json of schemaVersion 1 (${lines.length} problem${lines.length > 1 ? 's' : ''}):\n${lines.join('\n')}`,
      { hint: 're-render it from its journal: firedrill report <run-dir>' },
    );
  }
  return { dir, run: parsed.data, events: parseJournal(eventsText) };
}

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `cannot read ${file}: ${formatError(error)}`, {
      hint: 'give a run folder, e.g. reports/latest',
    });
  }
}
