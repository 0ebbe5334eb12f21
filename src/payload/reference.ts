import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FiredrillError } from '../core/errors.ts';
import type { ColumnSchema } from '../scenario/payload.ts';

/**
 * The reference dataset payloads are sampled from, and its feature schema. A reference is a CSV file (header
 * line, RFC 4180 quoting), a JSON array of objects, or NDJSON (one object per line; `.ndjson`/`.jsonl`).
 * Column types are `numeric`, `categorical` (strings), `boolean`, `id` (the entity key) and `label` (the
 * class, for prior shift). Without a schema they are inferred: a column named `id`/`entity_id` is the id, one
 * named `label`/`target`/`class`/`species` the label, then by value type; a column with any null is
 * nullable. Every problem is a FiredrillError (`FD_SCENARIO_LOAD`) naming the file, the line and the column,
 * raised before any traffic.
 */

export type CellValue = number | string | boolean | null;
export type PayloadRow = Record<string, CellValue>;
export type ColumnType = 'numeric' | 'categorical' | 'boolean' | 'id' | 'label';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

export interface NumericStats {
  mean: number;
  /** Sample standard deviation (n − 1), as pandas' `std()`. */
  std: number;
  min: number;
  max: number;
  count: number;
}

export interface Reference {
  file: string;
  columns: ColumnSpec[];
  rows: PayloadRow[];
  /** 1-based line of each row in the file (for messages). */
  lines: number[];
  idColumn: string | undefined;
  labelColumn: string | undefined;
  /** Per numeric column. */
  stats: Record<string, NumericStats>;
  /** Per categorical or label column: its values, sorted. */
  categories: Record<string, string[]>;
}

export const DEFAULT_REFERENCE_FILE = fileURLToPath(
  new URL('../../fixtures/data/penguins.json', import.meta.url),
);
const ID_NAMES = new Set(['id', 'entity_id']);
const LABEL_NAMES = new Set(['label', 'target', 'class', 'species']);

function loadError(message: string, hint: string): FiredrillError {
  return new FiredrillError('FD_SCENARIO_LOAD', message, { hint });
}

export interface ReferenceOptions {
  /** `payload.schema`: when given, the reference must have exactly these columns. */
  schema?: Record<string, ColumnSchema> | undefined;
}

/** Reads and checks a reference file. */
export async function loadReference(
  file: string = DEFAULT_REFERENCE_FILE,
  options: ReferenceOptions = {},
): Promise<Reference> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FiredrillError(
      'FD_SCENARIO_LOAD',
      code === 'ENOENT'
        ? `reference file ${file} not found`
        : `cannot read reference file ${file}: ${(error as Error).message}`,
      {
        hint: 'payload.reference is a CSV, JSON-array or NDJSON file, relative to the working directory',
        cause: error,
      },
    );
  }
  return parseReference(text, file, options);
}

type Format = 'csv' | 'json' | 'ndjson';

function formatOf(file: string, text: string): Format {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.json') return 'json';
  return text.trimStart().startsWith('[') ? 'json' : text.trimStart().startsWith('{') ? 'ndjson' : 'csv';
}

/** Line and column (1-based) of a character offset. */
function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first JSON syntax error in `text` (a small recursive-descent scan), or -1. Node's JSON.parse
 * does not always say where it failed ("Unexpected token '}', ... is not valid JSON").
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): boolean => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return true;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"' || !string()) return false;
          ws();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!value()) return false;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return true;
        }
        return false;
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\\') i += 2;
      else if (c === '"') {
        i++;
        return true;
      } else if (c < ' ') return false;
      else i++;
    }
    return false;
  };
  if (!value()) return Math.min(i, text.length);
  ws();
  return i < text.length ? i : -1;
}

function jsonError(file: string, text: string, error: unknown, lineOffset = 0): FiredrillError {
  const message = (error as Error).message;
  const position = /position (\d+)/.exec(message);
  const lc = /line (\d+) column (\d+)/.exec(message);
  let where = '';
  const offset = position ? Number(position[1]) : jsonErrorOffset(text);
  if (lc) where = ` line ${Number(lc[1]) + lineOffset} column ${lc[2]}`;
  else if (offset >= 0) {
    const at = lineCol(text, offset);
    where = ` line ${at.line + lineOffset} column ${at.column}`;
  }
  return loadError(
    `reference file ${file}${where}: malformed JSON (${message.split('\n')[0]})`,
    'fix the file or give another payload.reference',
  );
}

/** Starting line of each top-level element of a JSON array text (a scan that respects strings). */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectValue && !/\s/.test(c) && c !== ']') {
      lines.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectValue = true;
  }
  return lines;
}

interface RawRecords {
  records: Record<string, unknown>[];
  lines: number[];
  /** CSV: the header's columns (line 1). */
  header?: string[];
}

function parseJsonArray(text: string, file: string): RawRecords {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw jsonError(file, text, error);
  }
  if (!Array.isArray(data)) {
    throw loadError(
      `reference file ${file} line 1: expected a JSON array of row objects, got ${data === null ? 'null' : typeof data}`,
      'a .json reference is an array of objects, one per row',
    );
  }
  const lines = arrayElementLines(text);
  data.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw loadError(
        `reference file ${file} line ${lines[i] ?? '?'}: element ${i} is not an object`,
        'each element of the array is one row: {"column": value, ...}',
      );
    }
  });
  return { records: data as Record<string, unknown>[], lines };
}

function parseNdjson(text: string, file: string): RawRecords {
  const records: Record<string, unknown>[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(lineText);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      const position = /position (\d+)/.exec(message ?? '');
      const offset = position ? Number(position[1]) : jsonErrorOffset(lineText);
      const column = offset >= 0 ? ` column ${offset + 1}` : '';
      throw loadError(
        `reference file ${file} line ${i + 1}${column}: malformed JSON (${message})`,
        'NDJSON holds one JSON object per line',
      );
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw loadError(
        `reference file ${file} line ${i + 1}: expected a JSON object (one row)`,
        'NDJSON holds one JSON object per line',
      );
    }
    records.push(row as Record<string, unknown>);
    lines.push(i + 1);
  });
  return { records, lines };
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. Returns cells and each record's line. */
function csvRecords(text: string, file: string): { cells: string[][]; quoted: boolean[][]; lines: number[] } {
  const cells: string[][] = [];
  const quoted: boolean[][] = [];
  const lines: number[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const recordLine = line;
    const record: string[] = [];
    const recordQuoted: boolean[] = [];
    for (;;) {
      let cell = '';
      let wasQuoted = false;
      if (text[i] === '"') {
        wasQuoted = true;
        const openLine = line;
        i++;
        for (;;) {
          if (i >= n)
            throw loadError(
              `reference file ${file} line ${openLine}: unterminated quoted field`,
              'close the quote ("), or double quotes inside a field ("")',
            );
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw loadError(
            `reference file ${file} line ${line}: text after a closing quote in field ${record.length + 1}`,
            'quote the whole field',
          );
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') cell += text[i++];
      }
      record.push(cell);
      recordQuoted.push(wasQuoted);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    if (!(record.length === 1 && record[0] === '' && !recordQuoted[0])) {
      cells.push(record);
      quoted.push(recordQuoted);
      lines.push(recordLine);
    }
  }
  return { cells, quoted, lines };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function csvValue(cell: string, wasQuoted: boolean): unknown {
  if (wasQuoted) return cell;
  const t = cell.trim();
  if (t === '' || t === 'NA' || t === 'null' || t === 'NaN') return null;
  if (t === 'true' || t === 'false') return t === 'true';
  if (NUMBER.test(t)) return Number(t);
  return cell;
}

function parseCsv(text: string, file: string): RawRecords {
  const { cells, quoted, lines } = csvRecords(text.replace(/^\uFEFF/, ''), file);
  const header = cells[0];
  if (!header)
    throw loadError(
      `reference file ${file} is empty`,
      'a CSV reference needs a header line and at least one row',
    );
  const seen = new Set<string>();
  header.forEach((name, j) => {
    if (name.trim() === '')
      throw loadError(
        `reference file ${file} line 1: column ${j + 1} of the header has no name`,
        'name every column in the header line',
      );
    if (seen.has(name))
      throw loadError(
        `reference file ${file} line 1: column "${name}" appears twice in the header`,
        'column names must be unique',
      );
    seen.add(name);
  });
  const records: Record<string, unknown>[] = [];
  for (let r = 1; r < cells.length; r++) {
    const row = cells[r]!;
    if (row.length !== header.length) {
      throw loadError(
        `reference file ${file} line ${lines[r]}: ${row.length} fields, the header has ${header.length} columns`,
        'every CSV line needs one field per header column',
      );
    }
    const record: Record<string, unknown> = {};
    header.forEach((name, j) => {
      record[name] = csvValue(row[j]!, quoted[r]![j]!);
    });
    records.push(record);
  }
  return { records, lines: lines.slice(1), header };
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${v.length > 20 ? `${v.slice(0, 20)}…` : v}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

function inferType(name: string, values: unknown[]): ColumnType | 'mixed' {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (ID_NAMES.has(name)) return 'id';
  if (LABEL_NAMES.has(name)) return 'label';
  if (present.every((v) => typeof v === 'number')) return 'numeric';
  if (present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.every((v) => typeof v === 'string')) return 'categorical';
  return 'mixed';
}

function checkValue(type: ColumnType, v: unknown): boolean {
  switch (type) {
    case 'numeric':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'categorical':
    case 'label':
      return typeof v === 'string';
    case 'id':
      return (typeof v === 'number' && Number.isSafeInteger(v)) || typeof v === 'string';
  }
}

const TYPE_WORDS: Record<ColumnType, string> = {
  numeric: 'a finite number',
  boolean: 'true or false',
  categorical: 'a string',
  label: 'a string (the class)',
  id: 'an integer or a string id',
};

/** Parses and checks reference text (pure; `file` only names it in messages). */
export function parseReference(text: string, file: string, options: ReferenceOptions = {}): Reference {
  if (text.trim() === '')
    throw loadError(
      `reference file ${file} is empty`,
      'give a CSV, JSON-array or NDJSON file with at least one row',
    );
  const format = formatOf(file, text);
  const raw =
    format === 'csv'
      ? parseCsv(text, file)
      : format === 'json'
        ? parseJsonArray(text, file)
        : parseNdjson(text, file);
  if (raw.records.length === 0) {
    throw loadError(
      `reference file ${file} is empty: it has no rows`,
      'a reference needs at least one row (a few hundred for drift statistics)',
    );
  }
  // Columns in order of first appearance.
  const names: string[] = raw.header ? [...raw.header] : [];
  const known = new Set(names);
  for (const record of raw.records) {
    for (const key of Object.keys(record)) {
      if (!known.has(key)) {
        known.add(key);
        names.push(key);
      }
    }
  }
  let columns: ColumnSpec[];
  if (options.schema) {
    const schema = options.schema;
    const schemaNames = Object.keys(schema);
    for (const name of names) {
      if (!Object.hasOwn(schema, name)) {
        const index = raw.records.findIndex((r) => Object.hasOwn(r, name));
        const where = raw.header ? 'line 1' : `line ${raw.lines[index] ?? '?'}`;
        throw loadError(
          `reference file ${file} ${where}: column "${name}" is not in payload.schema (expected ${schemaNames.join(', ')})`,
          `add "${name}" to payload.schema, or remove the column from the reference`,
        );
      }
    }
    columns = schemaNames.map((name) => {
      const spec = schema[name]!;
      return typeof spec === 'string'
        ? { name, type: spec, nullable: false }
        : { name, type: spec.type, nullable: spec.nullable };
    });
  } else {
    columns = names.map((name) => {
      const values = raw.records.map((r) => r[name]);
      const type = inferType(name, values);
      if (type === 'mixed') {
        const first = values.find((v) => v !== null && v !== undefined);
        const index = values.findIndex((v) => v !== null && v !== undefined && typeof v !== typeof first);
        throw loadError(
          `reference file ${file} line ${raw.lines[index] ?? '?'}, column "${name}": ${describeValue(values[index])} does not match the column's earlier values (${typeof first}); expected one type per column`,
          'use one type per column, or declare it in payload.schema',
        );
      }
      return { name, type, nullable: values.some((v) => v === null || v === undefined) };
    });
  }
  const rows: PayloadRow[] = raw.records.map((record, i) => {
    const line = raw.lines[i] ?? i + 1;
    const row: PayloadRow = {};
    for (const column of columns) {
      const v = record[column.name];
      if (v === undefined || v === null) {
        if (!column.nullable) {
          throw loadError(
            `reference file ${file} line ${line}, column "${column.name}": ${v === undefined ? 'missing' : 'null'}; expected ${TYPE_WORDS[column.type]}`,
            options.schema
              ? `mark the column { type: '${column.type}', nullable: true } in payload.schema`
              : 'fill the value',
          );
        }
        row[column.name] = null;
        continue;
      }
      if (!checkValue(column.type, v)) {
        throw loadError(
          `reference file ${file} line ${line}, column "${column.name}": ${describeValue(v)}; expected ${TYPE_WORDS[column.type]}`,
          'fix the value, or the column type in payload.schema',
        );
      }
      row[column.name] = v as CellValue;
    }
    return row;
  });
  const stats: Record<string, NumericStats> = {};
  const categories: Record<string, string[]> = {};
  for (const column of columns) {
    if (column.type === 'numeric') {
      const values = rows.map((r) => r[column.name]).filter((v): v is number => typeof v === 'number');
      stats[column.name] = numericStats(values);
    } else if (column.type === 'categorical' || column.type === 'label') {
      categories[column.name] = [
        ...new Set(rows.map((r) => r[column.name]).filter((v): v is string => typeof v === 'string')),
      ].sort();
    }
  }
  return {
    file,
    columns,
    rows,
    lines: raw.lines,
    idColumn: columns.find((c) => c.type === 'id')?.name,
    labelColumn: columns.find((c) => c.type === 'label')?.name,
    stats,
    categories,
  };
}

export function numericStats(values: readonly number[]): NumericStats {
  const count = values.length;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = count > 0 ? sum / count : Number.NaN;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, std: count > 1 ? Math.sqrt(ss / (count - 1)) : 0, min, max, count };
}

/** The values of one numeric column (nulls skipped). */
export function numericColumn(reference: Reference, name: string): Float64Array {
  return Float64Array.from(
    reference.rows.map((r) => r[name]).filter((v): v is number => typeof v === 'number'),
  );
}
