/**
 * The kubernetes backend (Chaos Mesh, plus GPU Jobs): what is public. See manifests.ts for the fault → CRD
 * mapping, inject.ts for the apply/landed/revert flow, chaos/manifests/ for the RBAC and Job templates.
 */

export { type KubeFailureHints, kubeApiFailure } from './api-errors.ts';
export {
  type BadCanaryFault,
  type CanaryTarget,
  type InferenceServiceCanaryTarget,
  type RolloutCanaryTarget,
  renderCanaryFault,
} from './canary.ts';
export { analysisMetricsOf, readCanaryAnalysis } from './canary-analysis.ts';
export { validateCanaryObject } from './canary-crds.ts';
export {
  type CanaryKubernetesTargets,
  injectKubernetesCanary,
  type RecoverCanaryOptions,
  type RolloutWatchResult,
  recoverKubernetesCanary,
  type WatchRolloutOptions,
  watchRolloutStatus,
} from './canary-inject.ts';
export {
  type CanaryReading,
  readArgoRollout,
  readCanaryStatus,
  readFlaggerCanary,
  readInferenceService,
} from './canary-status.ts';
export {
  type KubeApi,
  KubeApiError,
  type KubeClientOptions,
  kubeClient,
  kubeConfiguration,
  loadKubeConfig,
  type ObjectRef,
  toKubeApiError,
} from './client.ts';
export { schemaValidator, validateChaosObject } from './crd-schema.ts';
export type { GpuJobOptions } from './gpu.ts';
export {
  cleanupHintFor,
  injectKubernetes,
  type KubernetesTargets,
  type RecoverKubernetesOptions,
  recoverKubernetes,
} from './inject.ts';
export {
  assertNamespaceAllowed,
  buildFaultObjects,
  type ManifestObject,
  type ManifestOptions,
  objectName,
  type PodSelector,
  type RenderOptions,
  renderKubernetesFaults,
} from './manifests.ts';
