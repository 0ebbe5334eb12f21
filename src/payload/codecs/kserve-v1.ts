import type { PayloadRow } from '../reference.ts';
import { type Codec, type CodecOptions, extraKeys } from './types.ts';

/**
 * A row as an object: the sent features in order, then `entity_id`, then any extra fields. A feature the row
 * lacks is left out (a missing field); a NaN is sent as null.
 */
export function rowObject(
  row: PayloadRow,
  options: CodecOptions,
  extras: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of options.features) {
    if (Object.hasOwn(row, f)) out[f] = normalise(row[f]);
  }
  if (options.idColumn !== undefined && Object.hasOwn(row, options.idColumn))
    out.entity_id = row[options.idColumn];
  for (const key of extras) if (Object.hasOwn(row, key)) out[key] = normalise(row[key]);
  return out;
}

function normalise(v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** KServe V1 (TF Serving style) `:predict`: `{"instances": [row, ...]}` with rows as objects. */
export function kserveV1Codec(options: CodecOptions): Codec {
  return {
    protocol: 'kserve-v1',
    method: 'POST',
    path: `/v1/models/${encodeURIComponent(options.model)}:predict`,
    contentType: 'application/json',
    encode(rows) {
      const extras = extraKeys(rows, options);
      return JSON.stringify({ instances: rows.map((row) => rowObject(row, options, extras)) });
    },
  };
}
