import type { PayloadRow } from '../reference.ts';

export type Protocol = 'kserve-v2' | 'kserve-v1' | 'mlflow' | 'openai-chat' | 'openai-completions' | 'raw';

/** What a codec knows about the payload: the model, the sent columns and the columns the reference has. */
export interface CodecOptions {
  model: string;
  /** Columns sent to the model, in order. */
  features: readonly string[];
  /** Numeric features (typed FP32 in tensors); the others are BYTES (strings) or BOOL. */
  numeric: ReadonlySet<string>;
  booleans: ReadonlySet<string>;
  /** The entity id column of the reference, if any (sent as `entity_id`). */
  idColumn: string | undefined;
  /** Every column of the reference: keys of a row outside this set (and not sent) are extra fields from a schema break, and are sent. */
  referenceColumns: ReadonlySet<string>;
  seed: number;
  maxTokens: number;
  /** OpenAI protocols: ask for an SSE stream (see Codec.stream). Other codecs ignore it. */
  stream?: boolean;
  raw?: { path: string; template: string; contentType: string } | undefined;
}

/**
 * Encodes rows into one request body. Pure and deterministic: equal rows and seq → equal bytes. A row may
 * lack a feature (sent as null, or left out where the format names fields) or carry extra fields (sent as
 * the format allows: an extra tensor, an extra key, an extra column): schema breaks reach the server as they
 * would from a broken client.
 */
export interface Codec {
  readonly protocol: Protocol;
  readonly method: 'POST';
  readonly path: string;
  readonly contentType: string;
  /** How the answers come back when not as one body: `openai-sse` when the codec asked for a stream. */
  readonly stream?: 'openai-sse';
  encode(rows: readonly PayloadRow[], seq: number): string;
}

/** Keys of the rows that are neither sent features nor reference columns, in order of first appearance. */
export function extraKeys(rows: readonly PayloadRow[], options: CodecOptions): string[] {
  const sent = new Set(options.features);
  const extras: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!sent.has(key) && !options.referenceColumns.has(key) && !extras.includes(key)) extras.push(key);
    }
  }
  return extras;
}

/** The value of a sent feature, null when the row lacks it. */
export function cellOf(row: PayloadRow, key: string): PayloadRow[string] {
  const v = row[key];
  return v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v;
}
