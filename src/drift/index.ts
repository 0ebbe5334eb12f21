/**
 * Drift statistics shared by the fixture's streaming drift monitor and firedrill's expected-drift
 * calculation. Pure functions, no I/O.
 */
export {
  type KsResult,
  kolmogorovQ,
  ksPValue,
  ksStatisticSorted,
  ksTwoSample,
  ksTwoSampleSorted,
} from './ks.ts';
export {
  floorEmptyShares,
  histogramCounts,
  type OutsideEdges,
  PSI_EMPTY_BIN_SHARE,
  PSI_MAX_DISCRETE_VALUES,
  type PsiBin,
  type PsiOptions,
  type PsiResult,
  psi,
  psiFromShares,
  psiWithEdges,
  sturgesEdges,
} from './psi.ts';
