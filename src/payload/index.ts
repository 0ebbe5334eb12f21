export {
  kserveV2Body,
  kserveV2FeatureOrder,
  kserveV2RequestFactory,
  loadReferenceRows,
  pick,
  type ReferenceRow,
} from './kserve-v2.ts';
