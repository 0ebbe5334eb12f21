import { describe, expect, it } from 'vitest';
import { kserveV2Body, kserveV2RequestFactory, pick, type ReferenceRow } from './kserve-v2.ts';

const rows: ReferenceRow[] = Array.from({ length: 50 }, (_, i) => ({
  id: i,
  bill_length_mm: 40 + i / 10,
  bill_depth_mm: 18,
  flipper_length_mm: 190 + i,
  body_mass_g: 3700 + i * 10,
}));

describe('kserve-v2 payloads', () => {
  it('builds an Open Inference Protocol body with features [1,4] and the entity id', () => {
    const body = JSON.parse(kserveV2Body(rows[3]!, 'r3'));
    expect(body.id).toBe('r3');
    expect(body.inputs[0]).toEqual({
      name: 'features',
      shape: [1, 4],
      datatype: 'FP32',
      data: [40.3, 18, 193, 3730],
    });
    expect(body.inputs[1]).toEqual({ name: 'entity_id', shape: [1], datatype: 'INT64', data: [3] });
  });

  it('sends the same bytes for the same seed and different bytes for another seed', () => {
    const a = kserveV2RequestFactory('penguins', rows, 7);
    const b = kserveV2RequestFactory('penguins', rows, 7);
    const c = kserveV2RequestFactory('penguins', rows, 8);
    const seqs = Array.from({ length: 200 }, (_, i) => i);
    expect(seqs.map((s) => a(s).body)).toEqual(seqs.map((s) => b(s).body));
    expect(seqs.map((s) => a(s).body)).not.toEqual(seqs.map((s) => c(s).body));
    expect(a(0).path).toBe('/v2/models/penguins/infer');
  });

  it('bootstraps rows roughly uniformly', () => {
    const counts = new Array(10).fill(0);
    for (let seq = 0; seq < 10_000; seq += 1) counts[pick(1, seq, 10)] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(850);
    for (const count of counts) expect(count).toBeLessThan(1150);
  });
});
