// The drift timeline is planned with the scenario (its validation needs it); re-exported for the
// generator's callers.

export { type Rng, rngFor } from '../core/index.ts';
export {
  type DriftStep,
  intensityAt,
  planDrift,
  resolvedPayload,
  stepFeatures,
  windowClearMs,
} from '../scenario/index.ts';
export { type Codec, type CodecOptions, createCodec, type Protocol } from './codecs/index.ts';
export {
  createPayloadFactory,
  loadPayloadReference,
  type PreparedPayload,
  preparePayload,
} from './factory.ts';
export {
  createPayloadGenerator,
  defaultFeatures,
  type PayloadGenerator,
  PENGUIN_FEATURES,
} from './generator.ts';
export {
  kserveV2Body,
  kserveV2FeatureOrder,
  kserveV2RequestFactory,
  loadReferenceRows,
  pick,
  type ReferenceRow,
} from './kserve-v2.ts';
export { describePrompt, promptReference, renderPrompt } from './prompts.ts';
export {
  type CellValue,
  type ColumnSpec,
  type ColumnType,
  DEFAULT_REFERENCE_FILE,
  loadReference,
  type NumericStats,
  numericColumn,
  type PayloadRow,
  parseReference,
  type Reference,
} from './reference.ts';
export { type CompiledTransform, compileTransform, isSchemaBreak } from './transforms.ts';
