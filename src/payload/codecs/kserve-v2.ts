import type { PayloadRow } from '../reference.ts';
import { type Codec, type CodecOptions, cellOf, extraKeys } from './types.ts';

/**
 * KServe Open Inference Protocol (V2): numeric features in one FP32 tensor `features` of shape [n, k] (flat,
 * row-major), each non-numeric feature in its own tensor (BYTES for strings, BOOL for booleans) of shape [n],
 * the entity ids in `entity_id` (INT64 when numeric, else BYTES) of shape [n]. An extra field becomes its own
 * tensor (which a strict server rejects as an unknown input). `id` is `req-<seq>`.
 */
export function kserveV2Codec(options: CodecOptions): Codec {
  const numeric = options.features.filter((f) => options.numeric.has(f));
  const others = options.features.filter((f) => !options.numeric.has(f));
  const id = options.idColumn;
  const datatypeOf = (values: unknown[]) =>
    values.some((v) => typeof v === 'string')
      ? 'BYTES'
      : values.some((v) => typeof v === 'boolean')
        ? 'BOOL'
        : 'FP32';
  return {
    protocol: 'kserve-v2',
    method: 'POST',
    path: `/v2/models/${encodeURIComponent(options.model)}/infer`,
    contentType: 'application/json',
    encode(rows: readonly PayloadRow[], seq: number): string {
      const n = rows.length;
      const inputs: unknown[] = [];
      if (numeric.length > 0) {
        const data: unknown[] = [];
        for (const row of rows) for (const f of numeric) data.push(cellOf(row, f));
        inputs.push({ name: 'features', shape: [n, numeric.length], datatype: 'FP32', data });
      }
      for (const f of others) {
        const data = rows.map((row) => cellOf(row, f));
        inputs.push({ name: f, shape: [n], datatype: options.booleans.has(f) ? 'BOOL' : 'BYTES', data });
      }
      if (id !== undefined) {
        const data = rows.map((row) => cellOf(row, id));
        inputs.push({
          name: 'entity_id',
          shape: [n],
          datatype: data.every((v) => typeof v === 'number') ? 'INT64' : 'BYTES',
          data,
        });
      }
      for (const key of extraKeys(rows, options)) {
        const data = rows.map((row) => cellOf(row, key));
        inputs.push({ name: key, shape: [n], datatype: datatypeOf(data), data });
      }
      return JSON.stringify({ id: `req-${seq}`, inputs });
    },
  };
}
