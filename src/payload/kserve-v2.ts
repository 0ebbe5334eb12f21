import { readFile } from 'node:fs/promises';
import { FiredrillError } from '../core/errors.ts';
import type { RequestFactory } from '../traffic/types.ts';

/**
 * KServe V2 (Open Inference Protocol) payloads for the fixture penguin classifier, bootstrapped from the
 * reference sample: request `seq` carries reference row `pick(seed, seq)`, so two runs with one seed send
 * the same bytes. Bodies are pre-serialised once per row; the hot path only picks one.
 */
export interface ReferenceRow {
  id: number;
  bill_length_mm: number;
  bill_depth_mm: number;
  flipper_length_mm: number;
  body_mass_g: number;
}

export const kserveV2FeatureOrder = [
  'bill_length_mm',
  'bill_depth_mm',
  'flipper_length_mm',
  'body_mass_g',
] as const;

export function kserveV2Body(row: ReferenceRow, requestId: string): string {
  return JSON.stringify({
    id: requestId,
    inputs: [
      { name: 'features', shape: [1, 4], datatype: 'FP32', data: kserveV2FeatureOrder.map((f) => row[f]) },
      { name: 'entity_id', shape: [1], datatype: 'INT64', data: [row.id] },
    ],
  });
}

/** A 32-bit mix of (seed, seq): uniform enough to bootstrap rows, and stateless so any seq is O(1). */
export function pick(seed: number, seq: number, n: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seq + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h % n;
}

export async function loadReferenceRows(file: string): Promise<ReferenceRow[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FiredrillError(
      'FD_SCENARIO_LOAD',
      `cannot read reference data ${file}: ${(error as Error).message}`,
      {
        hint: 'the reference file must be a JSON array of rows',
      },
    );
  }
  if (!Array.isArray(data) || data.length === 0) {
    throw new FiredrillError('FD_SCENARIO_LOAD', `reference data ${file} is empty or not a JSON array`, {
      hint: 'give a JSON array of rows with the model features',
    });
  }
  return data.map((row: Record<string, unknown>, index) => {
    for (const field of ['id', ...kserveV2FeatureOrder]) {
      if (typeof row[field] !== 'number') {
        throw new FiredrillError(
          'FD_SCENARIO_LOAD',
          `reference data ${file}: row ${index}: field "${field}" is not a number`,
          {
            hint: `every row needs numeric id, ${kserveV2FeatureOrder.join(', ')}`,
          },
        );
      }
    }
    return row as unknown as ReferenceRow;
  });
}

export function kserveV2RequestFactory(
  model: string,
  rows: readonly ReferenceRow[],
  seed: number,
): RequestFactory {
  const path = `/v2/models/${encodeURIComponent(model)}/infer`;
  const bodies = rows.map((row) => kserveV2Body(row, `row-${row.id}`));
  const headers = { 'content-type': 'application/json' };
  return (seq) => ({ method: 'POST', path, headers, body: bodies[pick(seed, seq, bodies.length)] ?? '' });
}
