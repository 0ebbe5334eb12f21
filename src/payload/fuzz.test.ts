import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import { DEFAULT_REFERENCE_FILE, parseReference, type ReferenceOptions } from './reference.ts';

/**
 * Property tests for the reference dataset reader: random mutations of the fixture penguins (as JSON, NDJSON
 * and CSV: wrong types, missing and extra columns, nulls, unicode, broken syntax, truncation) either parse or
 * fail with FD_SCENARIO_LOAD (exit 2) naming the file and a line that exists, never with a stack trace or
 * another error.
 */

const SEED = 20_261_204;
const rows = (JSON.parse(readFileSync(DEFAULT_REFERENCE_FILE, 'utf8')) as Record<string, unknown>[]).slice(
  0,
  25,
);
const columns = Object.keys(rows[0]!);
const schema: ReferenceOptions['schema'] = {
  id: 'id',
  species: 'label',
  island: 'categorical',
  bill_length_mm: 'numeric',
  bill_depth_mm: 'numeric',
  flipper_length_mm: 'numeric',
  body_mass_g: 'numeric',
  sex: { type: 'categorical', nullable: true },
};

type Format = 'json' | 'ndjson' | 'csv';

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return 'NA';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) || typeof value === 'string' ? `"${text.replaceAll('"', '""')}"` : text;
}

function render(data: Record<string, unknown>[], format: Format): string {
  switch (format) {
    case 'json':
      return `[\n${data.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`;
    case 'ndjson':
      return `${data.map((r) => JSON.stringify(r)).join('\n')}\n`;
    case 'csv': {
      const header = [...new Set(data.flatMap((r) => Object.keys(r)))];
      return `${[header.join(','), ...data.map((r) => header.map((h) => csvCell(r[h])).join(','))].join('\n')}\n`;
    }
  }
}

const cellValue = fc.oneof(
  fc.constantFrom(null, '', 'NaN', '12,5', '"', '\n', true, -0, 1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.double(),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constant({ nested: [1] }),
  fc.constant([1, 2]),
);

type RowMutation =
  | { kind: 'set'; row: number; column: number; value: unknown }
  | { kind: 'delete'; row: number; column: number }
  | { kind: 'extra'; row: number; name: string; value: unknown };

const rowMutation: fc.Arbitrary<RowMutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), row: fc.nat(), column: fc.nat(), value: cellValue }),
  fc.record({ kind: fc.constant('delete' as const), row: fc.nat(), column: fc.nat() }),
  fc.record({
    kind: fc.constant('extra' as const),
    row: fc.nat(),
    name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
    value: cellValue,
  }),
);

type TextMutation =
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'truncate'; at: number };

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom('{', '}', '[', ']', ',', '"', ':', '\n', '\r\n', '\\', '\uFEFF', 'null', '\u0000'),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutateRows(data: Record<string, unknown>[], m: RowMutation): void {
  const row = data[m.row % data.length]!;
  const column = columns[(m.row + (m.kind === 'extra' ? 0 : m.column)) % columns.length]!;
  if (m.kind === 'set') row[column] = m.value;
  else if (m.kind === 'delete') delete row[column];
  else row[m.name] = m.value;
}

function mutateText(text: string, m: TextMutation): string {
  const at = m.at % (text.length + 1);
  if (m.kind === 'cut') return text.slice(0, at) + text.slice(at + m.length);
  if (m.kind === 'insert') return text.slice(0, at) + m.text + text.slice(at);
  return text.slice(0, at);
}

/** Parses; on failure, checks the error is the usage error naming the file and an existing line. */
function check(text: string, file: string, options: ReferenceOptions): void {
  try {
    const reference = parseReference(text, file, options);
    expect(reference.rows.length).toBeGreaterThan(0);
  } catch (error) {
    if (!isFiredrillError(error)) throw error;
    expect(error.code).toBe('FD_SCENARIO_LOAD');
    expect(error.exitCode).toBe(2);
    expect(error.message.startsWith(`reference file ${file}`)).toBe(true);
    expect(error.message).not.toContain('    at ');
    const line = /line (\d+)/.exec(error.message);
    if (line) {
      const lines = text.split('\n').length;
      expect(Number(line[1])).toBeGreaterThanOrEqual(1);
      expect(Number(line[1]), error.message).toBeLessThanOrEqual(lines);
    }
  }
}

describe('reference datasets under random mutation', () => {
  const format = fc.constantFrom<Format>('json', 'ndjson', 'csv');

  it('the unmutated rows parse in every format', () => {
    for (const f of ['json', 'ndjson', 'csv'] as const) {
      expect(parseReference(render(rows, f), `ref.${f}`, { schema }).rows).toHaveLength(25);
    }
  });

  it('mutated rows (wrong types, missing and extra columns, nulls, unicode) parse or give exit 2 with the line', () => {
    fc.assert(
      fc.property(
        format,
        fc.array(rowMutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (f, mutations, withSchema) => {
          const data = structuredClone(rows);
          for (const m of mutations) mutateRows(data, m);
          check(render(data, f), `ref.${f}`, withSchema ? { schema } : {});
        },
      ),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('mutated text (broken syntax, stray quotes and brackets, truncation) parses or gives exit 2 with the line', () => {
    fc.assert(
      fc.property(format, fc.array(textMutation, { minLength: 1, maxLength: 4 }), (f, mutations) => {
        let text = render(rows, f);
        for (const m of mutations) text = mutateText(text, m);
        check(text, `ref.${f}`, {});
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });
});
