import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { isFiredrillError } from '../../src/core/errors.ts';
import {
  applyMergePatch,
  type BadCanaryFault,
  buildCanaryChange,
  canaryPrecondition,
  type InferenceServiceCanaryTarget,
  previewCanaryPatch,
  type RolloutCanaryTarget,
  renderCanaryFault,
} from './canary.ts';
import { pruneToInstance, validateCanaryObject } from './canary-crds.ts';
import { readArgoRollout, readFlaggerCanary, readInferenceService } from './canary-status.ts';

const runId = '2025-06-01_10-00-00_canary';
const fault: BadCanaryFault = {
  id: 'bad-v2',
  kind: 'bad-canary',
  at: 5_000,
  duration: 60_000,
  version: 'v2',
  weight: 20,
  errors: 0.05,
};
const rolloutTarget: RolloutCanaryTarget = {
  kind: 'Rollout',
  namespace: 'model-serving',
  name: 'penguin',
  container: 'model-server',
  versions: { v1: { image: 'registry.local/penguin:v1' }, v2: { image: 'registry.local/penguin:v2' } },
};
const isvcTarget: InferenceServiceCanaryTarget = {
  kind: 'InferenceService',
  namespace: 'model-serving',
  name: 'penguin',
  versions: { v2: { storageUri: 'gs://models/penguin/v2' } },
};

/** A canary Rollout as `kubectl get rollout -o json` returns it, fully promoted. */
function liveRollout(): Record<string, any> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: {
      name: 'penguin',
      namespace: 'model-serving',
      generation: 3,
      annotations: { 'rollout.argoproj.io/revision': '1' },
    } as any,
    spec: {
      replicas: 5,
      revisionHistoryLimit: 2,
      selector: { matchLabels: { app: 'penguin' } },
      template: {
        metadata: { labels: { app: 'penguin' }, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: {
          containers: [
            {
              name: 'model-server',
              image: 'registry.local/penguin:v1',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              resources: { requests: { cpu: '500m', memory: '512Mi' } },
            },
            { name: 'log-shipper', image: 'fluent/fluent-bit:3.0' },
          ],
        },
      },
      strategy: {
        canary: {
          canaryService: 'penguin-canary',
          stableService: 'penguin-stable',
          trafficRouting: { nginx: { stableIngress: 'penguin' } },
          steps: [{ setWeight: 10 }, { pause: { duration: '1m' } }, { setWeight: 50 }, { pause: {} }],
        },
      },
    },
    status: {
      phase: 'Healthy',
      currentPodHash: '58c9b7d5f',
      stableRS: '58c9b7d5f',
      currentStepIndex: 4,
      observedGeneration: '3',
      replicas: 5,
      updatedReplicas: 5,
      readyReplicas: 5,
      availableReplicas: 5,
      canary: { weights: { canary: { weight: 0 }, stable: { weight: 100, podTemplateHash: '58c9b7d5f' } } },
      conditions: [
        {
          type: 'Healthy',
          status: 'True',
          reason: 'RolloutHealthy',
          message: 'Rollout is healthy',
          lastTransitionTime: '2025-06-01T09:00:00Z',
          lastUpdateTime: '2025-06-01T09:00:00Z',
        },
      ],
    },
  };
}

function liveIsvc(): Record<string, any> {
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: 'penguin', namespace: 'model-serving' },
    spec: {
      predictor: {
        minReplicas: 1,
        model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://models/penguin/v1' },
      },
    },
    status: {
      url: 'http://penguin.model-serving.example.com',
      components: {
        predictor: {
          latestCreatedRevision: 'penguin-predictor-00001',
          latestReadyRevision: 'penguin-predictor-00001',
          latestRolledoutRevision: 'penguin-predictor-00001',
          traffic: [{ latestRevision: true, percent: 100, revisionName: 'penguin-predictor-00001' }],
        },
      },
    },
  };
}

function refusal(fn: () => unknown): { code: string; message: string; hint?: string | undefined } {
  try {
    fn();
  } catch (error) {
    if (isFiredrillError(error)) return { code: error.code, message: error.message, hint: error.hint };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Rollout canary patch against the Argo Rollouts v1.9.1 CRD', () => {
  it('the live object validates, the patch validates as a partial Rollout, the patched object as a whole', () => {
    const live = liveRollout();
    expect(validateCanaryObject('Rollout', live)).toEqual([]);
    const change = buildCanaryChange(fault, rolloutTarget, live, runId);
    expect(validateCanaryObject('Rollout', { ...change.patch }, { partial: true })).toEqual([]);
    const patched = applyMergePatch(live, change.patch) as Record<string, any>;
    expect(validateCanaryObject('Rollout', patched)).toEqual([]);
    // The canary: only the model server's image, steps holding at the weight, the other container untouched.
    expect(patched.spec.template.spec.containers.map((c: any) => c.image)).toEqual([
      'registry.local/penguin:v2',
      'fluent/fluent-bit:3.0',
    ]);
    expect(patched.spec.template.spec.containers[0].ports).toEqual(
      live.spec!.template.spec.containers[0].ports,
    );
    expect(patched.spec.strategy.canary.steps).toEqual([{ setWeight: 20 }, { pause: {} }]);
    expect(patched.spec.strategy.canary.trafficRouting).toEqual({ nginx: { stableIngress: 'penguin' } });
    expect(patched.metadata.annotations['firedrill.dev/canary-fault-id']).toBe('bad-v2');
    expect(JSON.parse(patched.metadata.annotations['firedrill.dev/canary-behaviour'])).toEqual({
      version: 'v2',
      weight: 20,
      errors: 0.05,
    });
    expect(change.canaryMarker).toBe('registry.local/penguin:v2');
    // The restore patch gives back exactly the object read.
    expect(applyMergePatch(patched, change.restore)).toEqual(live);
  });

  it('an analysis template becomes a step after setWeight', () => {
    const change = buildCanaryChange(
      fault,
      { ...rolloutTarget, analysisTemplate: 'error-ratio' },
      liveRollout(),
      runId,
    );
    const steps = (change.patch as any).spec.strategy.canary.steps;
    expect(steps).toEqual([
      { setWeight: 20 },
      { analysis: { templates: [{ templateName: 'error-ratio' }] } },
      { pause: {} },
    ]);
    expect(validateCanaryObject('Rollout', change.patch, { partial: true })).toEqual([]);
  });

  it('a wrong field fails with its schema path: misspelt, wrong type, missing required', () => {
    const change = buildCanaryChange(fault, rolloutTarget, liveRollout(), runId);
    const misspelt = structuredClone(change.patch) as any;
    misspelt.spec.strategy.canary.steps[0] = { setWeigth: 20 };
    expect(validateCanaryObject('Rollout', misspelt, { partial: true })).toEqual([
      '/spec/strategy/canary/steps/0 must NOT have additional properties {"additionalProperty":"setWeigth"}',
    ]);
    const wrongType = structuredClone(change.patch) as any;
    wrongType.spec.strategy.canary.steps[0] = { setWeight: '20%' };
    expect(validateCanaryObject('Rollout', wrongType, { partial: true })).toEqual([
      '/spec/strategy/canary/steps/0/setWeight must be integer {"type":"integer"}',
    ]);
    // A whole object is held to `required`; the same object as a patch is not.
    const noSelector = liveRollout() as any;
    delete noSelector.spec.template.spec.containers[1].name;
    expect(validateCanaryObject('Rollout', noSelector)).toEqual([
      '/spec/template/spec/containers/1 must have required property \'name\' {"missingProperty":"name"}',
    ]);
    expect(validateCanaryObject('Rollout', noSelector, { partial: true })).toEqual([]);
  });

  it('refuses what a Rollout canary cannot express, naming the fix', () => {
    const live = liveRollout();
    expect(
      refusal(() => buildCanaryChange({ ...fault, weight: 12.5 }, rolloutTarget, live, runId)),
    ).toMatchObject({
      code: 'FD_INJECT_FAILED',
      message: expect.stringContaining('weight 12.5 is not a whole percent between 1 and 100 (setWeight'),
    });
    expect(
      refusal(() => buildCanaryChange({ ...fault, version: 'v3' }, rolloutTarget, live, runId)),
    ).toMatchObject({
      message: expect.stringContaining('no version "v3" in the target\'s versions (v1, v2)'),
      hint: expect.stringContaining('v3: { image:'),
    });
    expect(
      refusal(() => buildCanaryChange(fault, { ...rolloutTarget, container: 'server' }, live, runId)),
    ).toMatchObject({
      message: expect.stringContaining(
        'no container "server" in spec.template (containers: model-server, log-shipper)',
      ),
    });
    const blueGreen = liveRollout();
    blueGreen.spec!.strategy = { blueGreen: { activeService: 'penguin' } };
    expect(refusal(() => buildCanaryChange(fault, rolloutTarget, blueGreen, runId)).message).toContain(
      'no canary strategy (spec.strategy.canary)',
    );
  });

  it('starts only from a fully promoted Rollout', () => {
    const marker = 'registry.local/penguin:v2';
    expect(canaryPrecondition(rolloutTarget, liveRollout(), marker)).toBeUndefined();
    const midway = liveRollout();
    midway.status!.phase = 'Paused';
    midway.status!.currentPodHash = '6f8d9c7b5';
    expect(canaryPrecondition(rolloutTarget, midway, marker)).toBe('status.phase is Paused, not Healthy');
    const other = liveRollout();
    (other.metadata as any).annotations['firedrill.dev/canary-run-id'] = 'an-older-run';
    expect(canaryPrecondition(rolloutTarget, other, marker)).toContain(
      'carries a canary of run an-older-run',
    );
  });

  it('--dry-run renders the patch, validated, with the kubectl command', () => {
    const yaml = renderCanaryFault(fault, rolloutTarget, 'dry-run');
    expect(yaml).toContain('kubectl patch rollout -n model-serving penguin --type merge');
    expect(yaml).toContain('setWeight: 20');
    expect(yaml).toContain('image: registry.local/penguin:v2');
    expect(yaml).toContain("every container of the live pod template, with model-server's image replaced");
    expect(previewCanaryPatch(fault, isvcTarget, 'dry-run').patch).toEqual({
      metadata: { annotations: expect.objectContaining({ 'firedrill.dev/canary-fault-id': 'bad-v2' }) },
      spec: { predictor: { canaryTrafficPercent: 20, model: { storageUri: 'gs://models/penguin/v2' } } },
    });
  });
});

describe('InferenceService canary patch against the KServe v0.20.0 CRD', () => {
  it('valid live object, patch and patched object; restore gives back what was read', () => {
    const live = liveIsvc();
    expect(validateCanaryObject('InferenceService', live)).toEqual([]);
    const change = buildCanaryChange(fault, isvcTarget, live, runId);
    expect(validateCanaryObject('InferenceService', change.patch, { partial: true })).toEqual([]);
    const patched = applyMergePatch(live, change.patch) as Record<string, any>;
    expect(validateCanaryObject('InferenceService', patched)).toEqual([]);
    expect(patched.spec.predictor).toEqual({
      minReplicas: 1,
      canaryTrafficPercent: 20,
      model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://models/penguin/v2' },
    });
    const restored = applyMergePatch(patched, change.restore) as Record<string, any>;
    expect(restored.spec).toEqual(live.spec);
    expect(restored.metadata.annotations).toEqual({});
  });

  it('a wrong field fails with its schema path', () => {
    const patch = previewCanaryPatch(fault, isvcTarget, runId).patch as any;
    patch.spec.predictor.canaryTrafficPercent = '20';
    patch.spec.predictor.model.storageURI = 'gs://x';
    expect(validateCanaryObject('InferenceService', patch, { partial: true })).toEqual([
      '/spec/predictor/canaryTrafficPercent must be integer {"type":"integer"}',
      '/spec/predictor/model must NOT have additional properties {"additionalProperty":"storageURI"}',
    ]);
  });

  it('an old-style predictor (no model) is refused', () => {
    const live = liveIsvc();
    live.spec = { predictor: { sklearn: { storageUri: 'gs://models/penguin/v1' } } };
    expect(refusal(() => buildCanaryChange(fault, isvcTarget, live, runId)).message).toContain(
      'no spec.predictor.model',
    );
  });
});

describe('pruneToInstance', () => {
  it('keeps only what the instance uses, and still rejects an unknown field', () => {
    const schema = {
      type: 'object',
      required: ['a'],
      additionalProperties: false,
      properties: {
        a: {
          type: 'array',
          items: { type: 'object', properties: { x: { type: 'integer' }, y: { type: 'string' } } },
        },
        b: { type: 'string' },
      },
    };
    expect(pruneToInstance(schema, [{ a: [{ x: 1 }], zz: 1 }])).toEqual({
      type: 'object',
      required: ['a'],
      additionalProperties: false,
      properties: { a: { type: 'array', items: { type: 'object', properties: { x: { type: 'integer' } } } } },
    });
    expect(pruneToInstance(schema, [{}], true)).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {},
    });
  });
});

describe('status readers, on status shapes that validate against the CRDs', () => {
  it('Argo Rollout: canary at its weight, then aborted (Degraded, abort, abortedAt, weight 0)', () => {
    const canary = liveRollout();
    canary.status = {
      ...canary.status,
      phase: 'Paused',
      currentPodHash: '6f8d9c7b5',
      currentStepIndex: 1,
      updatedReplicas: 1,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2025-06-01T10:00:06Z' }],
      canary: {
        weights: {
          canary: { weight: 20, podTemplateHash: '6f8d9c7b5' },
          stable: { weight: 80, podTemplateHash: '58c9b7d5f' },
        },
      },
    };
    expect(validateCanaryObject('Rollout', canary)).toEqual([]);
    expect(readArgoRollout(canary, 20)).toMatchObject({
      canaryUp: true,
      rolledBack: false,
      canaryWeight: 20,
    });
    expect(readArgoRollout(canary, 30).canaryUp).toBe(false);

    const aborted = liveRollout();
    aborted.status = {
      ...canary.status,
      phase: 'Degraded',
      abort: true,
      abortedAt: '2025-06-01T10:00:41Z',
      currentStepIndex: 0,
      message:
        'RolloutAborted: Rollout aborted update to revision 2: Metric "error-ratio" assessed Failed due to failed (3) > failureLimit (2)',
      pauseConditions: undefined,
      canary: {
        weights: {
          canary: { weight: 0, podTemplateHash: '6f8d9c7b5' },
          stable: { weight: 100, podTemplateHash: '58c9b7d5f' },
        },
      },
    };
    delete aborted.status.pauseConditions;
    expect(validateCanaryObject('Rollout', aborted)).toEqual([]);
    const reading = readArgoRollout(aborted, 20);
    expect(reading).toMatchObject({
      canaryUp: false,
      rolledBack: true,
      rolledBackAt: Date.parse('2025-06-01T10:00:41Z'),
      canaryWeight: 0,
    });
    expect(reading.evidence).toContain('phase Degraded, abort true');
    expect(reading.evidence).toContain('assessed Failed');
    // Degraded by a progress deadline with traffic still on the canary is not a rollback.
    const stuck = liveRollout();
    stuck.status = { ...canary.status, phase: 'Degraded', message: 'ProgressDeadlineExceeded' };
    delete stuck.status.pauseConditions;
    expect(validateCanaryObject('Rollout', stuck)).toEqual([]);
    expect(readArgoRollout(stuck, 20)).toMatchObject({ rolledBack: false, canaryWeight: 20 });
    // The healthy Rollout is neither up nor rolled back.
    expect(readArgoRollout(liveRollout(), 20)).toMatchObject({ canaryUp: false, rolledBack: false });
  });

  it('Argo Rollout without traffic routing: up once the setWeight step is done and a canary pod updated', () => {
    const basic = liveRollout();
    basic.status = {
      phase: 'Paused',
      currentPodHash: 'b',
      stableRS: 'a',
      currentStepIndex: 1,
      updatedReplicas: 1,
    };
    expect(readArgoRollout(basic, 20).canaryUp).toBe(true);
    basic.status.updatedReplicas = 0;
    expect(readArgoRollout(basic, 20).canaryUp).toBe(false);
  });

  it('Flagger Canary: Progressing at the weight, then Failed', () => {
    const progressing = { status: { phase: 'Progressing', canaryWeight: 20, failedChecks: 1 } };
    expect(readFlaggerCanary(progressing, 20)).toMatchObject({ canaryUp: true, rolledBack: false });
    const failed = {
      status: {
        phase: 'Failed',
        canaryWeight: 0,
        failedChecks: 5,
        lastTransitionTime: '2025-06-01T10:01:00Z',
      },
    };
    expect(readFlaggerCanary(failed, 20)).toMatchObject({
      canaryUp: false,
      rolledBack: true,
      rolledBackAt: Date.parse('2025-06-01T10:01:00Z'),
      canaryWeight: 0,
    });
    expect(readFlaggerCanary({ status: { phase: 'Succeeded', canaryWeight: 0 } }, 20).rolledBack).toBe(false);
  });

  it('InferenceService: 20 % on the new ready revision, then 100 % back on the previous one', () => {
    const split = liveIsvc();
    split.status.components.predictor = {
      latestCreatedRevision: 'penguin-predictor-00002',
      latestReadyRevision: 'penguin-predictor-00002',
      latestRolledoutRevision: 'penguin-predictor-00001',
      previousRolledoutRevision: 'penguin-predictor-00001',
      traffic: [
        { latestRevision: true, percent: 20, revisionName: 'penguin-predictor-00002', tag: 'latest' },
        { latestRevision: false, percent: 80, revisionName: 'penguin-predictor-00001', tag: 'prev' },
      ],
    };
    expect(validateCanaryObject('InferenceService', split)).toEqual([]);
    expect(readInferenceService(split, 20)).toMatchObject({
      canaryUp: true,
      rolledBack: false,
      canaryWeight: 20,
    });
    const notReady = structuredClone(split);
    notReady.status.components.predictor.latestReadyRevision = 'penguin-predictor-00001';
    expect(readInferenceService(notReady, 20).canaryUp).toBe(false);

    const back = structuredClone(split);
    back.status.components.predictor.traffic = [
      { latestRevision: true, percent: 0, revisionName: 'penguin-predictor-00002', tag: 'latest' },
      { latestRevision: false, percent: 100, revisionName: 'penguin-predictor-00001', tag: 'prev' },
    ];
    expect(validateCanaryObject('InferenceService', back)).toEqual([]);
    expect(readInferenceService(back, 20)).toMatchObject({
      canaryUp: false,
      rolledBack: true,
      canaryWeight: 0,
    });
    // Steady state (100 % on the only revision) is not a rollback.
    expect(readInferenceService(liveIsvc(), 20)).toMatchObject({ canaryUp: false, rolledBack: false });
  });
});

describe('rbac.yaml for the canary fault', () => {
  it('grants get and patch on the plurals and groups the real CRDs declare, and nothing more', () => {
    const rules = parseAllDocuments(readFileSync(new URL('../manifests/rbac.yaml', import.meta.url), 'utf8'))
      .map((d) => d.toJS())
      .find((d) => d.kind === 'ClusterRole').rules as Array<{
      apiGroups: string[];
      resources: string[];
      verbs: string[];
    }>;
    for (const file of ['rollout-crd.yaml', 'serving.kserve.io_inferenceservices.yaml']) {
      const crd = parse(readFileSync(new URL(`./crds/${file}`, import.meta.url), 'utf8'));
      expect(rules).toContainEqual({
        apiGroups: [crd.spec.group],
        resources: [crd.spec.names.plural],
        verbs: ['get', 'patch'],
      });
    }
  });
});
