import { describe, expect, it } from 'vitest';
import { parseGenerationRequest } from '../../../fixtures/model-server/openai.ts';
import { parseInferRequest } from '../../../fixtures/model-server/parse.ts';
import { parseMlflowRequest, parseV1Request } from '../../../fixtures/model-server/parse-rows.ts';
import { describePrompt, promptReference } from '../prompts.ts';
import type { PayloadRow } from '../reference.ts';
import { loadReference } from '../reference.ts';
import { type CodecOptions, createCodec } from './index.ts';

const ref = await loadReference();
const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];
const options: CodecOptions = {
  model: 'penguins',
  features: FEATURES,
  numeric: new Set(FEATURES),
  booleans: new Set(),
  idColumn: 'id',
  referenceColumns: new Set(ref.columns.map((c) => c.name)),
  seed: 1,
  maxTokens: 16,
};
const rows = ref.rows.slice(0, 3);
/** What the fixture's parsers give back: n·4 measurements and the entity ids. */
const expectedFeatures = Float64Array.from(rows.flatMap((r) => FEATURES.map((f) => r[f] as number)));
const expectedIds = rows.map((r) => String(r.id));

describe('codecs round-trip through the fixture server’s own parsers', () => {
  it('kserve-v2: FP32 features [n,4] and INT64 entity_id [n]', () => {
    const codec = createCodec('kserve-v2', options);
    expect(codec.path).toBe('/v2/models/penguins/infer');
    const body = JSON.parse(codec.encode(rows, 9));
    expect(body.id).toBe('req-9');
    expect(body.inputs).toEqual([
      { name: 'features', shape: [3, 4], datatype: 'FP32', data: [...expectedFeatures] },
      { name: 'entity_id', shape: [3], datatype: 'INT64', data: [1, 2, 3] },
    ]);
    const parsed = parseInferRequest(body);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value.features).toEqual(expectedFeatures);
    expect(parsed.value.entityIds).toEqual(expectedIds);
    expect(parsed.value.ignoredFields).toEqual([]);
  });

  it('kserve-v1: instances as objects', () => {
    const codec = createCodec('kserve-v1', options);
    expect(codec.path).toBe('/v1/models/penguins:predict');
    const body = JSON.parse(codec.encode(rows, 0));
    expect(body.instances[0]).toEqual({
      bill_length_mm: 39.1,
      bill_depth_mm: 18.7,
      flipper_length_mm: 181,
      body_mass_g: 3750,
      entity_id: 1,
    });
    const parsed = parseV1Request(body);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value.features).toEqual(expectedFeatures);
    expect(parsed.value.entityIds).toEqual(expectedIds);
  });

  it('mlflow: dataframe_split with the entity id column', () => {
    const codec = createCodec('mlflow', options);
    expect(codec.path).toBe('/invocations');
    const body = JSON.parse(codec.encode(rows, 0));
    expect(body.dataframe_split.columns).toEqual([...FEATURES, 'entity_id']);
    expect(body.dataframe_split.data[0]).toEqual([39.1, 18.7, 181, 3750, 1]);
    const parsed = parseMlflowRequest(body);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value.features).toEqual(expectedFeatures);
    expect(parsed.value.entityIds).toEqual(expectedIds);
  });

  it('raw: a template with {{feature}} placeholders', () => {
    const codec = createCodec('raw', {
      ...options,
      raw: {
        path: '/v1/models/penguins:predict',
        template:
          '{"instances": [[{{bill_length_mm}}, {{bill_depth_mm}}, {{flipper_length_mm}}, {{body_mass_g}}, {{entity_id}}]]}',
        contentType: 'application/json',
      },
    });
    const parsed = parseV1Request(JSON.parse(codec.encode(rows.slice(1, 2), 0)));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value.features).toEqual(expectedFeatures.slice(4, 8));
    expect(parsed.value.entityIds).toEqual(['2']);
    const all = createCodec('raw', {
      ...options,
      raw: { path: '/x', template: '{"instances": {{rows}}}', contentType: 'application/json' },
    });
    const parsedAll = parseV1Request(JSON.parse(all.encode(rows, 0)));
    expect(parsedAll.ok && parsedAll.value.features).toEqual(expectedFeatures);
    expect(() =>
      createCodec('raw', {
        ...options,
        raw: { path: '/x', template: '{{nope}}', contentType: 'text/plain' },
      }),
    ).toThrow(/unknown placeholder \{\{nope\}\}/);
    expect(() => createCodec('raw', options)).toThrow(/needs payload.raw/);
  });

  it.each(['openai-chat', 'openai-completions'] as const)(
    '%s: the prompt decodes back into its row',
    (protocol) => {
      const prompts = promptReference();
      const codec = createCodec(protocol, {
        ...options,
        model: 'penguin-chat',
        features: ['prompt_words', 'language', 'topic'],
        numeric: new Set(['prompt_words']),
        referenceColumns: new Set(prompts.columns.map((c) => c.name)),
      });
      for (const row of prompts.rows.slice(0, 20)) {
        const body = JSON.parse(codec.encode([row], 5));
        const parsed = parseGenerationRequest(protocol === 'openai-chat' ? 'chat' : 'completion', body);
        if (!parsed.ok) throw new Error(parsed.error);
        expect(parsed.value.model).toBe('penguin-chat');
        expect(parsed.value.maxTokens).toBe(16);
        expect(describePrompt(parsed.value.promptText)).toEqual({
          prompt_words: row.prompt_words,
          language: row.language,
          topic: row.topic,
        });
      }
    },
  );
});

describe('schema breaks reach the server as a broken client would send them', () => {
  const base = rows[0]!;
  const { body_mass_g: _mass, ...missing } = base;
  const cases: Array<[string, PayloadRow, string]> = [
    ['missing field', missing, 'missing_field'],
    ['wrong type', { ...base, body_mass_g: '3750' }, 'wrong_type'],
    ['extra field', { ...base, flipper_length_cm: 18.1 }, 'unknown_field'],
  ];
  it.each(cases)('%s → rejected by V2, V1 and MLflow as %s', (_name, row, violation) => {
    const parsers = {
      'kserve-v2': parseInferRequest,
      'kserve-v1': parseV1Request,
      mlflow: parseMlflowRequest,
    } as const;
    for (const [protocol, parse] of Object.entries(parsers)) {
      const body = JSON.parse(createCodec(protocol as keyof typeof parsers, options).encode([row], 0));
      const parsed = parse(body);
      expect(parsed.ok, protocol).toBe(false);
      expect(!parsed.ok && parsed.violation, protocol).toBe(violation);
    }
  });

  it('a renamed field is missing under its name and extra under the new one', () => {
    const { flipper_length_mm, ...rest } = base;
    const row: PayloadRow = { ...rest, flipper_mm: flipper_length_mm ?? null };
    const v1 = JSON.parse(createCodec('kserve-v1', options).encode([row], 0));
    expect(v1.instances[0]).toEqual({
      bill_length_mm: 39.1,
      bill_depth_mm: 18.7,
      body_mass_g: 3750,
      entity_id: 1,
      flipper_mm: 181,
    });
    const v2 = JSON.parse(createCodec('kserve-v2', options).encode([row], 0));
    expect(v2.inputs[0].data).toEqual([39.1, 18.7, null, 3750]);
    expect(v2.inputs[2]).toEqual({ name: 'flipper_mm', shape: [1], datatype: 'FP32', data: [181] });
  });
});
