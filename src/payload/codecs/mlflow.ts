import type { PayloadRow } from '../reference.ts';
import { type Codec, type CodecOptions, extraKeys } from './types.ts';

/**
 * MLflow scoring server `/invocations` with `dataframe_split`: columns are the sent features, `entity_id`
 * (when the reference has an id) and any extra fields; a column a row lacks is null in that row. A column
 * that no row of the request has (every row renamed or dropped it) is left out of `columns`.
 */
export function mlflowCodec(options: CodecOptions): Codec {
  return {
    protocol: 'mlflow',
    method: 'POST',
    path: '/invocations',
    contentType: 'application/json',
    encode(rows: readonly PayloadRow[]) {
      const keys: Array<[column: string, key: string]> = options.features.map((f) => [f, f]);
      if (options.idColumn !== undefined) keys.push(['entity_id', options.idColumn]);
      for (const key of extraKeys(rows, options)) keys.push([key, key]);
      const present = keys.filter(([, key]) => rows.some((row) => Object.hasOwn(row, key)));
      const data = rows.map((row) =>
        present.map(([, key]) => {
          const v = row[key];
          return v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v;
        }),
      );
      return JSON.stringify({ dataframe_split: { columns: present.map(([c]) => c), data } });
    },
  };
}
