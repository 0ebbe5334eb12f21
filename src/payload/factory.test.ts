import { describe, expect, it } from 'vitest';
import { parseGenerationRequest } from '../../fixtures/model-server/openai.ts';
import { planDrift } from '../scenario/index.ts';
import { parseScenarioOrThrow } from '../scenario/validate.ts';
import { preparePayload } from './factory.ts';
import { createPayloadGenerator } from './generator.ts';
import { promptReference } from './prompts.ts';
import { loadReference, numericStats, type PayloadRow } from './reference.ts';
import { isSchemaBreak } from './transforms.ts';

const ref = await loadReference();
const flipper = ref.stats.flipper_length_mm!;

function scenario(payload: unknown, seed = 1, protocol = 'kserve-v2') {
  return parseScenarioOrThrow(
    {
      name: 'p',
      description: 'payload test',
      target: { protocol, model: 'penguins' },
      traffic: { stages: [{ kind: 'constant', rate: 100, duration: '600s' }], seed },
      payload,
      expect: [{ kind: 'alert-silent', alert: 'X' }],
    },
    'test',
  );
}

/** `count` rows of traffic at full strength of `transform` (seq 0…). */
function sample(transform: unknown, count = 20_000, seed = 1): PayloadRow[] {
  const s = scenario({ drift: [{ ...(transform as object), at: '0s' }] }, seed);
  const generator = createPayloadGenerator({
    reference: ref,
    payload: s.payload!,
    seed,
    steps: planDrift(s),
  });
  return Array.from({ length: count }, (_, seq) => generator.rowsAt(seq, 1000)[0]!);
}
const column = (rows: PayloadRow[], f: string) =>
  rows.map((r) => r[f]).filter((v): v is number => typeof v === 'number');
const share = (rows: PayloadRow[], test: (r: PayloadRow) => boolean) =>
  rows.filter(test).length / rows.length;

describe('determinism', () => {
  const drifted = {
    drift: [{ kind: 'mean-shift', feature: 'flipper_length_mm', sigma: 1, at: '10s', ramp: '10s' }],
  };
  const bodies = (seed: number, protocol = 'kserve-v2') => {
    const { request } = preparePayload(scenario(drifted, seed, protocol), ref);
    return Array.from({ length: 300 }, (_, seq) => request(seq, seq * 100).body);
  };
  it.each(['kserve-v2', 'kserve-v1', 'mlflow'])(
    '%s: same seed → identical bytes; another seed → different',
    (protocol) => {
      expect(bodies(7, protocol)).toEqual(bodies(7, protocol));
      expect(bodies(7, protocol)).not.toEqual(bodies(8, protocol));
    },
  );

  it('a request depends on its intended offset, not on the order requests are built in', () => {
    const { request } = preparePayload(scenario(drifted, 3), ref);
    const forward = Array.from({ length: 50 }, (_, seq) => request(seq, 15_000).body);
    const backward = Array.from({ length: 50 }, (_, i) => request(49 - i, 15_000).body).reverse();
    expect(backward).toEqual(forward);
    expect(request(5, 0).body).not.toEqual(request(5, 15_000).body); // before vs during the drift
    expect(request(5, 0).body).toEqual(request(5, 9_999).body); // both before it starts at 10s
  });

  it('no payload section: bootstrapped reference rows, V2 with batch 1', () => {
    const { request } = preparePayload(scenario(undefined), ref);
    const req = request(0, 0);
    expect(req.path).toBe('/v2/models/penguins/infer');
    expect(JSON.parse(req.body!).inputs[0].shape).toEqual([1, 4]);
  });
});

describe('transforms at full strength (20 000 rows)', () => {
  it.each([0.5, 2])('mean-shift %dσ moves the mean by kσ (±0.05σ) and keeps σ', (k) => {
    const xs = column(
      sample({ kind: 'mean-shift', feature: 'flipper_length_mm', sigma: k }),
      'flipper_length_mm',
    );
    const s = numericStats(xs);
    expect(Math.abs(s.mean - (flipper.mean + k * flipper.std))).toBeLessThan(0.05 * flipper.std);
    expect(s.std / flipper.std).toBeCloseTo(1, 1);
  });

  it('scale ×1.5 multiplies σ by 1.5 (±3%) and keeps the mean', () => {
    const s = numericStats(
      column(sample({ kind: 'scale', feature: 'body_mass_g', factor: 1.5 }), 'body_mass_g'),
    );
    const ref0 = ref.stats.body_mass_g!;
    expect(s.std / ref0.std).toBeGreaterThan(1.5 * 0.97);
    expect(s.std / ref0.std).toBeLessThan(1.5 * 1.03);
    expect(Math.abs(s.mean - ref0.mean)).toBeLessThan(0.05 * ref0.std);
  });

  it('category-mix redraws the values from the weights', () => {
    const rows = sample({ kind: 'category-mix', feature: 'island', weights: { Dream: 3, Torgersen: 1 } });
    expect(share(rows, (r) => r.island === 'Dream')).toBeCloseTo(0.75, 1);
    expect(share(rows, (r) => r.island === 'Biscoe')).toBe(0);
  });

  it('missing sets a share of values to null', () => {
    expect(
      share(
        sample({ kind: 'missing', feature: 'bill_depth_mm', rate: 0.2 }),
        (r) => r.bill_depth_mm === null,
      ),
    ).toBeCloseTo(0.2, 1);
  });

  it('out-of-range puts a share above the reference max, within sigma·σ', () => {
    const rows = sample({ kind: 'out-of-range', feature: 'flipper_length_mm', rate: 0.1, sigma: 2 });
    const above = column(rows, 'flipper_length_mm').filter((v) => v > flipper.max);
    expect(above.length / rows.length).toBeCloseTo(0.1, 1);
    expect(Math.max(...above)).toBeLessThanOrEqual(flipper.max + 2 * flipper.std);
  });

  it('new-category introduces an unseen value; an existing one is refused', () => {
    expect(
      share(
        sample({ kind: 'new-category', feature: 'island', category: 'Anvers', rate: 0.3 }),
        (r) => r.island === 'Anvers',
      ),
    ).toBeCloseTo(0.3, 1);
    expect(() =>
      sample({ kind: 'new-category', feature: 'island', category: 'Dream', rate: 0.3 }, 1),
    ).toThrow(/already a category/);
  });

  it('label-shift resamples by class weight (reference: 44% Adelie, 20% Chinstrap, 36% Gentoo)', () => {
    const rows = sample({ kind: 'label-shift', weights: { Gentoo: 1 } });
    expect(share(rows, (r) => r.species === 'Gentoo')).toBe(1);
    const mixed = sample({ kind: 'label-shift', weights: { Adelie: 1, Chinstrap: 1 } });
    expect(share(mixed, (r) => r.species === 'Chinstrap')).toBeCloseTo(0.5, 1);
    // Gentoo flippers are long: the prior shift moves the flipper mean up (Gentoo mean 217.2 mm).
    expect(numericStats(column(rows, 'flipper_length_mm')).mean).toBeCloseTo(217.2, 0);
  });

  it.each([
    [{ kind: 'missing-field', feature: 'body_mass_g', share: 0.3 }, (r: PayloadRow) => !('body_mass_g' in r)],
    [
      { kind: 'wrong-type', feature: 'body_mass_g', share: 0.3 },
      (r: PayloadRow) => typeof r.body_mass_g === 'string',
    ],
    [
      { kind: 'renamed-field', feature: 'body_mass_g', to: 'mass', share: 0.3 },
      (r: PayloadRow) => 'mass' in r && !('body_mass_g' in r),
    ],
    [
      { kind: 'extra-field', field: 'colour', value: 'black', share: 0.3 },
      (r: PayloadRow) => r.colour === 'black',
    ],
  ])('schema break %j affects its share of rows', (transform, broken) => {
    expect(isSchemaBreak(transform as never)).toBe(true);
    expect(share(sample(transform, 10_000), broken)).toBeCloseTo(0.3, 1);
  });

  it('refuses a transform on a column the reference lacks or of the wrong type', () => {
    expect(() => sample({ kind: 'mean-shift', feature: 'wingspan', sigma: 1 })).toThrow(
      /payload.drift\[0\]: the reference .* has no column "wingspan"/,
    );
    expect(() => sample({ kind: 'mean-shift', feature: 'island', sigma: 1 })).toThrow(
      /column "island" is categorical; this transform needs a numeric column/,
    );
  });
});

describe('ramp', () => {
  it('a ramp grows the shift linearly: half way through, half the shift', () => {
    const s = scenario({
      drift: [{ kind: 'mean-shift', feature: 'flipper_length_mm', sigma: 2, at: '10s', ramp: '20s' }],
    });
    const generator = createPayloadGenerator({
      reference: ref,
      payload: s.payload!,
      seed: 1,
      steps: planDrift(s),
    });
    const meanAt = (offset: number) =>
      numericStats(
        Array.from(
          { length: 20_000 },
          (_, seq) => generator.rowsAt(seq, offset)[0]!.flipper_length_mm as number,
        ),
      ).mean;
    const base = meanAt(5_000);
    expect(meanAt(20_000) - base).toBeCloseTo(1 * flipper.std, 0);
    expect(meanAt(40_000) - base).toBeCloseTo(2 * flipper.std, 0);
  });

  it('batches carry `batch` rows; openai refuses batches above 1', () => {
    const { request } = preparePayload(scenario({ batch: 8 }), ref);
    expect(JSON.parse(request(0, 0).body!).inputs[0].shape).toEqual([8, 4]);
    expect(() => preparePayload(scenario({ batch: 2 }, 1, 'openai-chat'), ref)).toThrow(
      /one prompt per request/,
    );
  });
});

describe('streamed OpenAI payloads', () => {
  const prompts = promptReference();
  it.each([
    ['openai-chat', 'chat'],
    ['openai-completions', 'completion'],
  ] as const)('%s with payload.stream asks for SSE and marks the request openai-sse', (protocol, kind) => {
    const { request } = preparePayload(scenario({ stream: true }, 1, protocol), prompts);
    const sent = request(3, 1000);
    expect(sent.stream).toBe('openai-sse');
    const body = JSON.parse(sent.body!);
    expect(body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    // an OpenAI-compatible server (the fixture's parser) reads it as a streamed request with usage
    const parsed = parseGenerationRequest(kind, body);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value).toMatchObject({ stream: true, includeUsage: true, seed: 3 });
  });

  it.each(['openai-chat', 'openai-completions'] as const)(
    '%s without payload.stream sends one JSON answer request, not marked as a stream',
    (protocol) => {
      const { request } = preparePayload(scenario({}, 1, protocol), prompts);
      const sent = request(3, 1000);
      expect(sent).not.toHaveProperty('stream');
      const body = JSON.parse(sent.body!);
      expect(body).not.toHaveProperty('stream');
      expect(body).not.toHaveProperty('stream_options');
    },
  );
});
