import { createWriteStream } from 'node:fs';
import type { RequestRecord } from '../traffic/index.ts';

/**
 * `requests.ndjson`: one JSON line per finished request (see traffic `RequestRecord`: seq, intendedAt, sentAt,
 * firstByteAt, endAt in epoch ms, outcome, status), in order of completion. Lines are batched into 64 KiB
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
