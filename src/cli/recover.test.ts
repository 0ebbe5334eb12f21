import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../core/log.ts';
import { parseJournal } from '../journal/index.ts';
import { recoverCommand } from './recover.ts';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('firedrill recover: a configuration it cannot restore', () => {
  it('exits 12, says FAILED and what to put back by hand, and journals nothing as recovered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firedrill-recover-cli-'));
    const url = `http://127.0.0.1:${await closedPort()}`;
    writeFileSync(
      join(dir, 'events.ndjson'),
      `${JSON.stringify({
        type: 'configuration-applying',
        at: 1,
        id: 'config-1',
        target: `triton ${url} model m`,
        spec: { kind: 'triton', url, model: 'm' },
        original: { maxBatchSize: 4 },
        settings: { maxBatchSize: 16 },
      })}\n`,
    );
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const code = await recoverCommand({ run: dir, out: dir }, silentLogger);
    expect(code).toBe(12);
    const text = out.join('');
    expect(text).toContain(`FAILED    configuration config-1 (triton ${url} model m)`);
    expect(text).toContain('put back by hand: {"maxBatchSize":4}');
    const events = parseJournal(readFileSync(join(dir, 'events.ndjson'), 'utf8'));
    expect(events.map((e) => e.type)).toEqual(['configuration-applying']);
  });
});
