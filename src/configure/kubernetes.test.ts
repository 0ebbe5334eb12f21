import { readFileSync } from 'node:fs';
import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type InferenceService,
  kubernetesConfigurator,
  predictorModelSchemaFile,
  renderWorkload,
  rolloutState,
  validateInferenceService,
  withWorkloadSettings,
  workloadSettings,
} from './kubernetes.ts';
import type { ConfiguratorSpec } from './spec.ts';

type Spec = Extract<ConfiguratorSpec, { kind: 'kubernetes' }>;

const deploymentSpec: Spec = {
  kind: 'kubernetes',
  namespace: 'model-serving',
  workload: { kind: 'Deployment', name: 'triton', container: 'server' },
  mapping: { maxBatchSize: { env: 'MAX_BATCH_SIZE' }, maxQueueDelayMs: { arg: '--max-queue-delay-ms' } },
  allowedNamespaces: ['model-serving'],
};

const deployment: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'triton', namespace: 'model-serving', resourceVersion: '41', generation: 3 },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'triton' } },
    template: {
      metadata: { labels: { app: 'triton' } },
      spec: {
        containers: [
          { name: 'sidecar', image: 'envoy', env: [{ name: 'MAX_BATCH_SIZE', value: '99' }] },
          {
            name: 'server',
            image: 'nvcr.io/nvidia/tritonserver:24.05-py3',
            args: ['tritonserver', '--max-queue-delay-ms', '0', '--log-verbose=0'],
            env: [
              { name: 'MAX_BATCH_SIZE', value: '4' },
              { name: 'OTHER', value: 'x' },
            ],
          },
        ],
      },
    },
  },
  status: { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
};

describe('kubernetes configurator: Deployment', () => {
  it('reads the settings from the named container only (env value, --flag value or --flag=value)', () => {
    expect(workloadSettings(deployment, deploymentSpec, ['maxBatchSize', 'maxQueueDelayMs'])).toEqual({
      maxBatchSize: 4,
      maxQueueDelayMs: 0,
    });
  });

  it('writes env and args into that container, keeping every other field and the resourceVersion', () => {
    const next = withWorkloadSettings(deployment, deploymentSpec, { maxBatchSize: 16, maxQueueDelayMs: 2 });
    const [sidecar, server] = next.spec?.template.spec?.containers ?? [];
    expect(sidecar).toEqual(deployment.spec?.template.spec?.containers[0]);
    expect(server?.env).toEqual([
      { name: 'MAX_BATCH_SIZE', value: '16' },
      { name: 'OTHER', value: 'x' },
    ]);
    expect(server?.args).toEqual(['tritonserver', '--max-queue-delay-ms=2', '--log-verbose=0']);
    expect(next.metadata?.resourceVersion).toBe('41');
    expect(deployment.spec?.template.spec?.containers[1]?.env?.[0]?.value).toBe('4'); // not mutated
    expect(workloadSettings(next, deploymentSpec, ['maxBatchSize', 'maxQueueDelayMs'])).toEqual({
      maxBatchSize: 16,
      maxQueueDelayMs: 2,
    });
  });

  it('refuses a setting with no mapping, a missing container, and a setting the container does not carry', () => {
    expect(() => withWorkloadSettings(deployment, deploymentSpec, { instances: 2 })).toThrow(
      /unknown setting "instances"/,
    );
    expect(() =>
      workloadSettings(
        deployment,
        { ...deploymentSpec, workload: { kind: 'Deployment', name: 'triton', container: 'nope' } },
        ['maxBatchSize'],
      ),
    ).toThrow(/container nope not found/);
    expect(() =>
      workloadSettings(deployment, { ...deploymentSpec, mapping: { maxBatchSize: { env: 'ABSENT' } } }, [
        'maxBatchSize',
      ]),
    ).toThrow(/has no env ABSENT \(setting maxBatchSize\)/);
  });

  it.each<[string, V1Deployment['status'], boolean, RegExp]>([
    [
      'generation not observed',
      { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      false,
      /generation 3 not observed/,
    ],
    [
      'half updated',
      { observedGeneration: 3, replicas: 3, updatedReplicas: 1, availableReplicas: 2 },
      false,
      /1 of 2 replicas updated/,
    ],
    [
      'old replica left',
      { observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 2 },
      false,
      /1 old replicas/,
    ],
    [
      'not available',
      { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 1 },
      false,
      /1 of 2 updated replicas available/,
    ],
    [
      'done',
      { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      true,
      /updated and available/,
    ],
  ])('rollout: %s', (_name, status, done, why) => {
    const state = rolloutState({ ...deployment, status: status ?? {} }, 'Deployment');
    expect(state.done).toBe(done);
    expect(state.why).toMatch(why);
  });

  it('refuses a namespace off the allowlist before any request', () => {
    expect(() => kubernetesConfigurator({ ...deploymentSpec, namespace: 'kube-system' })).toThrow(
      /namespace "kube-system" is not on firedrill's allowlist/,
    );
  });
});

describe('kubernetes configurator: KServe InferenceService', () => {
  const isvcSpec: Spec = {
    ...deploymentSpec,
    workload: { kind: 'InferenceService', name: 'penguins' },
  };
  const isvc: InferenceService = {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: 'penguins', namespace: 'model-serving', generation: 5 },
    spec: {
      predictor: {
        model: {
          modelFormat: { name: 'triton' },
          storageUri: 'gs://models/penguins',
          args: ['--max-queue-delay-ms=0'],
          env: [{ name: 'MAX_BATCH_SIZE', value: '4' }],
        } as never,
      },
    },
    status: { observedGeneration: 5, conditions: [{ type: 'Ready', status: 'True' }] },
  };

  it('writes spec.predictor.model env/args and the result passes the real KServe CRD schema', () => {
    const next = withWorkloadSettings(isvc, isvcSpec, { maxBatchSize: 8, maxQueueDelayMs: 5 });
    expect(next.spec?.predictor?.model).toMatchObject({
      args: ['--max-queue-delay-ms=5'],
      env: [{ name: 'MAX_BATCH_SIZE', value: '8' }],
    });
    expect(validateInferenceService(next)).toEqual([]);
    expect(renderWorkload(next)).toContain('kind: InferenceService');
    expect(renderWorkload(next)).not.toContain('status');
  });

  it('checks against the real CRD: the schema part kept as JSON is the CRD file’s, unchanged', () => {
    const crd = parse(
      readFileSync(new URL('./crds/serving.kserve.io_inferenceservices.yaml', import.meta.url), 'utf8'),
    );
    const v1beta1 = crd.spec.versions.find((v: { name: string }) => v.name === 'v1beta1');
    expect(JSON.parse(readFileSync(predictorModelSchemaFile, 'utf8'))).toEqual(
      v1beta1.schema.openAPIV3Schema.properties.spec.properties.predictor.properties.model,
    );
  });

  it('the schema check is real: a misspelt field is named', () => {
    const bad = structuredClone(isvc) as any;
    bad.spec.predictor.model.storageURI = 'gs://x';
    expect(validateInferenceService(bad).join('\n')).toMatch(
      /^\/spec\/predictor\/model must NOT have additional properties.*storageURI/,
    );
    expect(() => withWorkloadSettings(bad, isvcSpec, { maxBatchSize: 8 })).toThrow(/KServe's schema/);
  });

  it('rollout waits for the new generation and Ready=True', () => {
    expect(rolloutState(isvc, 'InferenceService')).toEqual({ done: true, why: 'Ready' });
    expect(
      rolloutState({ ...isvc, metadata: { ...isvc.metadata, generation: 6 } }, 'InferenceService').why,
    ).toMatch(/generation 6 not observed/);
    expect(
      rolloutState(
        {
          ...isvc,
          status: {
            observedGeneration: 5,
            conditions: [{ type: 'Ready', status: 'False', message: 'Revision failed' }],
          },
        },
        'InferenceService',
      ).why,
    ).toBe('Ready is False: Revision failed');
  });
});
