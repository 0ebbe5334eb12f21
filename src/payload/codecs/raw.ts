import { FiredrillError } from '../../core/errors.ts';
import type { PayloadRow } from '../reference.ts';
import { rowObject } from './kserve-v1.ts';
import { type Codec, type CodecOptions, extraKeys } from './types.ts';

/**
 * A raw JSON template: `{{name}}` is replaced by the first row's value of that column as a JSON literal
 * (strings quoted, a missing value `null`), `{{seq}}` by the request's sequence number, `{{entity_id}}` by
 * the row's id and `{{rows}}` by a JSON array of all rows as objects (sent features, entity_id, extras).
 * Placeholders are checked when the codec is built: an unknown name is an error before any traffic.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export function rawCodec(options: CodecOptions): Codec {
  const raw = options.raw;
  if (!raw) {
    throw new FiredrillError(
      'FD_SCENARIO_INVALID',
      'target.protocol "raw" needs payload.raw { path, template }',
      {
        hint: "e.g. payload: { raw: { path: '/predict', template: '{\"x\": {{bill_length_mm}}}' } }",
      },
    );
  }
  const known = new Set([...options.features, 'seq', 'rows', 'entity_id', ...options.referenceColumns]);
  for (const match of raw.template.matchAll(PLACEHOLDER)) {
    if (!known.has(match[1]!)) {
      throw new FiredrillError(
        'FD_SCENARIO_INVALID',
        `payload.raw.template: unknown placeholder {{${match[1]}}}`,
        {
          hint: `placeholders: ${[...known].map((k) => `{{${k}}}`).join(', ')}`,
        },
      );
    }
  }
  return {
    protocol: 'raw',
    method: 'POST',
    path: raw.path,
    contentType: raw.contentType,
    encode(rows: readonly PayloadRow[], seq: number) {
      const first = rows[0] ?? {};
      return raw.template.replace(PLACEHOLDER, (_all, name: string) => {
        if (name === 'seq') return String(seq);
        if (name === 'rows') {
          const extras = extraKeys(rows, options);
          return JSON.stringify(rows.map((row) => rowObject(row, options, extras)));
        }
        const key = name === 'entity_id' && options.idColumn !== undefined ? options.idColumn : name;
        const v = first[key];
        return JSON.stringify(v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v);
      });
    },
  };
}
