import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import { loadReference, parseReference } from './reference.ts';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('loadReference (default: the fixture penguins)', () => {
  it('loads 333 rows and infers id, label, categorical and numeric columns', async () => {
    const ref = await loadReference();
    expect(ref.rows).toHaveLength(333);
    expect(ref.idColumn).toBe('id');
    expect(ref.labelColumn).toBe('species');
    expect(ref.columns.find((c) => c.name === 'island')?.type).toBe('categorical');
    expect(ref.columns.find((c) => c.name === 'body_mass_g')).toEqual({
      name: 'body_mass_g',
      type: 'numeric',
      nullable: false,
    });
    expect(ref.categories.species).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    // pandas: df.flipper_length_mm.mean(), .std() → 200.96696696696696, 14.015765288287882
    expect(ref.stats.flipper_length_mm?.mean).toBeCloseTo(200.96696696696696, 10);
    expect(ref.stats.flipper_length_mm?.std).toBeCloseTo(14.015765288287882, 10);
    expect(ref.lines.slice(0, 3)).toEqual([2, 3, 4]); // line 1 is "["
  });

  it('names a missing file', async () => {
    const error = await loadReference('/nonexistent/ref.csv').catch((e: unknown) => e as Error);
    expect(isFiredrillError(error)).toBe(true);
    expect((error as Error).message).toBe('reference file /nonexistent/ref.csv not found');
  });

  it('reads CSV, JSON and NDJSON files into the same rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firedrill-ref-'));
    const csv = join(dir, 'r.csv');
    const json = join(dir, 'r.json');
    const ndjson = join(dir, 'r.ndjson');
    await writeFile(csv, 'id,x,kind,flag\n1,1.5,"a, b",true\n2,,c,false\n');
    await writeFile(
      json,
      '[{"id":1,"x":1.5,"kind":"a, b","flag":true},\n{"id":2,"x":null,"kind":"c","flag":false}]',
    );
    await writeFile(
      ndjson,
      '{"id":1,"x":1.5,"kind":"a, b","flag":true}\n\n{"id":2,"x":null,"kind":"c","flag":false}\n',
    );
    const refs = await Promise.all([csv, json, ndjson].map((f) => loadReference(f)));
    for (const ref of refs) {
      expect(ref.rows).toEqual([
        { id: 1, x: 1.5, kind: 'a, b', flag: true },
        { id: 2, x: null, kind: 'c', flag: false },
      ]);
      expect(ref.columns.map((c) => `${c.name}:${c.type}${c.nullable ? '?' : ''}`)).toEqual([
        'id:id',
        'x:numeric?',
        'kind:categorical',
        'flag:boolean',
      ]);
    }
    expect(refs[2]!.lines).toEqual([1, 3]);
  });
});

describe('parseReference errors name file, line and column', () => {
  it.each([
    ['empty file', 'r.csv', '  \n', /^reference file r.csv is empty/],
    ['header only', 'r.csv', 'a,b\n', /^reference file r.csv is empty: it has no rows/],
    ['empty JSON array', 'r.json', '[]', /^reference file r.json is empty: it has no rows/],
    [
      'malformed JSON',
      'r.json',
      '[\n{"a": 1},\n{"a": }\n]',
      /^reference file r.json line 3 column 7: malformed JSON/,
    ],
    ['not an array', 'r.json', '{"a": 1}', /^reference file r.json line 1: expected a JSON array/],
    [
      'array element not an object',
      'r.json',
      '[\n{"a": 1},\n 5\n]',
      /^reference file r.json line 3: element 1 is not an object/,
    ],
    [
      'malformed NDJSON line',
      'r.ndjson',
      '{"a": 1}\n{"a": 1,}\n',
      /^reference file r.ndjson line 2 column 9: malformed JSON/,
    ],
    [
      'CSV field count',
      'r.csv',
      'a,b\n1,2\n3\n',
      /^reference file r.csv line 3: 1 fields, the header has 2 columns/,
    ],
    [
      'CSV unterminated quote',
      'r.csv',
      'a,b\n1,"2\n',
      /^reference file r.csv line 2: unterminated quoted field/,
    ],
    ['CSV duplicate header', 'r.csv', 'a,a\n1,2\n', /^reference file r.csv line 1: column "a" appears twice/],
    [
      'mixed column types',
      'r.ndjson',
      '{"a": 1}\n{"a": "x"}\n',
      /^reference file r.ndjson line 2, column "a": "x" does not match/,
    ],
  ])('%s', (_name, file, text, pattern) => {
    const error = errorOf(() => parseReference(text, file));
    expect(isFiredrillError(error)).toBe(true);
    expect(error.message).toMatch(pattern);
  });

  it('with a schema: a column the schema does not name, a missing one, a wrong type, a null', () => {
    const schema = { id: 'id', x: 'numeric', kind: 'categorical' } as const;
    expect(errorOf(() => parseReference('id,x,kind,extra\n1,2,a,3\n', 'r.csv', { schema })).message).toBe(
      'reference file r.csv line 1: column "extra" is not in payload.schema (expected id, x, kind)',
    );
    expect(
      errorOf(() =>
        parseReference('{"id":1,"x":2,"kind":"a"}\n{"id":2,"x":2,"kind":"a","zz":1}\n', 'r.ndjson', {
          schema,
        }),
      ).message,
    ).toMatch(/^reference file r.ndjson line 2: column "zz" is not in payload.schema/);
    expect(errorOf(() => parseReference('id,x\n1,2\n', 'r.csv', { schema })).message).toBe(
      'reference file r.csv line 2, column "kind": missing; expected a string',
    );
    expect(errorOf(() => parseReference('id,x,kind\n1,2,a\n2,abc,b\n', 'r.csv', { schema })).message).toBe(
      'reference file r.csv line 3, column "x": "abc"; expected a finite number',
    );
    expect(errorOf(() => parseReference('id,x,kind\n1,,a\n', 'r.csv', { schema })).message).toBe(
      'reference file r.csv line 2, column "x": null; expected a finite number',
    );
    const ok = parseReference('id,x,kind\n1,,a\n', 'r.csv', {
      schema: { ...schema, x: { type: 'numeric', nullable: true } },
    });
    expect(ok.rows[0]).toEqual({ id: 1, x: null, kind: 'a' });
  });
});
