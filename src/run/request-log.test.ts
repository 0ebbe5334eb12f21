import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinRequestLogs, requestLogPart } from './request-log.ts';

/**
 * A fresh folder's requests.ndjson and the parts of three threads, each written with its content (undefined:
 * the part is never written).
 */
async function threeParts(contents: ReadonlyArray<string | undefined>) {
  const path = join(await mkdtemp(join(tmpdir(), 'fd-reqlog-')), 'requests.ndjson');
  const parts = [0, 1, 2].map((i) => requestLogPart(path, i));
  for (const [i, content] of contents.entries())
    if (content !== undefined) await writeFile(parts[i]!, content);
  return { path, parts };
}

describe('joinRequestLogs (--workers --request-log)', () => {
  it('writes every part whole, in thread order, and removes the parts', async () => {
    // The last part is larger than one stream chunk.
    const { path, parts } = await threeParts(['{"seq":0}\n{"seq":3}\n', '', '{"seq":2}\n'.repeat(20_000)]);
    expect(await joinRequestLogs(path, parts)).toBeUndefined();
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.slice(0, 3)).toEqual(['{"seq":0}', '{"seq":3}', '{"seq":2}']);
    expect(lines).toHaveLength(2 + 20_000 + 1); // the last line ends with a newline
    for (const part of parts) expect(existsSync(part), part).toBe(false);
  });

  it('returns the error of a part it cannot read, joins the others, and still removes the parts', async () => {
    const { path, parts } = await threeParts(['{"seq":0}\n', undefined, '{"seq":2}\n']);
    const error = await joinRequestLogs(path, parts);
    expect(error?.message).toContain(parts[1]);
    expect(await readFile(path, 'utf8')).toBe('{"seq":0}\n{"seq":2}\n');
    for (const part of parts) expect(existsSync(part), part).toBe(false);
  });
});
