import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { RequestRecord } from '../traffic/index.ts';

/**
 * `requests.ndjson`: one JSON line per finished request (see traffic `RequestRecord`: seq, intendedAt, sentAt,
 * firstByteAt, endAt in epoch ms, outcome, status), in order of completion (with `--workers`, thread by
 * thread: see `joinRequestLogs`). Lines are batched into 64 KiB
 * writes so a high-rate run pays a JSON.stringify per request and little else.
 */
export interface RequestLog {
  readonly path: string;
  write(record: RequestRecord): void;
  /** Flushes and closes; resolves with the write error, if the file could not be written. */
  close(): Promise<Error | undefined>;
}

const FLUSH_BYTES = 64 * 1024;

export function openRequestLog(path: string): RequestLog {
  const stream = createWriteStream(path, { flags: 'w' });
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure ??= error;
  });
  let pending = '';
  const flush = () => {
    if (pending === '' || failure !== undefined) return;
    stream.write(pending);
    pending = '';
  };
  return {
    path,
    write(record) {
      pending += `${JSON.stringify(record)}\n`;
      if (pending.length >= FLUSH_BYTES) flush();
    },
    close: () =>
      new Promise((resolve) => {
        flush();
        if (stream.destroyed) {
          resolve(failure);
          return;
        }
        stream.end(() => resolve(failure));
      }),
  };
}

/** Where traffic thread `index` of several writes its part of the request log at `path`. */
export function requestLogPart(path: string, index: number): string {
  return `${path}.thread-${index}`;
}

/**
 * `--workers`: writes the threads' parts (see requestLogPart), whole and in thread order, into `path`, then
 * removes them. Streams: no part is held in memory. A part that cannot be read is skipped and the others are
 * still joined. Resolves with the first error (a part not read, the log not written); the parts are removed
 * either way.
 */
export async function joinRequestLogs(path: string, parts: readonly string[]): Promise<Error | undefined> {
  const out = createWriteStream(path, { flags: 'w' });
  let failure: Error | undefined;
  out.on('error', (error) => {
    failure ??= error;
  });
  for (const part of parts) {
    if (out.errored) break;
    try {
      for await (const chunk of createReadStream(part)) {
        if (!out.write(chunk)) await once(out, 'drain');
      }
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
    }
  }
  await new Promise<void>((resolve) => {
    if (out.errored || out.destroyed) resolve();
    else out.end(() => resolve());
  });
  await Promise.all(parts.map((part) => rm(part, { force: true })));
  return failure;
}
