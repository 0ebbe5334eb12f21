/** The shapes of the Kubernetes objects firedrill builds (shared by the Chaos Mesh and GPU Job builders). */

export type ChaosKind = 'PodChaos' | 'NetworkChaos' | 'HTTPChaos' | 'StressChaos';
export type ManifestKind = ChaosKind | 'Job';

/** A Kubernetes object as firedrill builds it. */
export interface ManifestObject {
  apiVersion: string;
  kind: ManifestKind;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
}
