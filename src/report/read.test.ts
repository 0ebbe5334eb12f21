import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { buildRunJson, type RunJson, readRunDir, runJsonSchema } from './index.ts';
import { sampleOutcome } from './testing.ts';

async function runDir(run: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-read-'));
  await writeFile(path.join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  await writeFile(path.join(dir, 'events.ndjson'), '{"type":"run-ended","at":1}\n');
  return dir;
}

describe('run.json schema', () => {
  it('is the source of the RunJson type', () => {
    expectTypeOf<RunJson>().toEqualTypeOf<z.infer<typeof runJsonSchema>>();
  });

  it('accepts what buildRunJson writes, with structured expectation subjects', () => {
    const json = buildRunJson(sampleOutcome());
    expect(runJsonSchema.parse(JSON.parse(JSON.stringify(json)))).toEqual(json);
    for (const e of json.expectations) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['alert', 'labels', 'faultId', 'faultKind']));
    }
  });
});

describe('readRunDir', () => {
  it('reads a run folder: run.json checked against the schema, and the journal', async () => {
    const json = buildRunJson(sampleOutcome());
    const dir = await runDir(json);
    const read = await readRunDir(dir);
    expect(read.run).toEqual(json);
    expect(read.events).toEqual([{ type: 'run-ended', at: 1 }]);
  });

  it('names the file and every wrong field, and never drops an unknown one silently', async () => {
    const json = buildRunJson(sampleOutcome());
    const dir = await runDir({ ...json, verdict: 'great', exitCode: 'zero', surprise: true });
    const file = path.join(dir, 'run.json');
    await expect(readRunDir(dir)).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringMatching(
        new RegExp(`${file}: verdict: .*\\n.*${file}: exitCode: .*\\n.*${file}: \\(top\\): .*surprise`, 's'),
      ),
    });
  });

  it('a folder without run.json is a usage error naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-read-'));
    await expect(readRunDir(dir)).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining(`cannot read ${path.join(dir, 'run.json')}`),
    });
  });
});
