import { describe, expect, it } from 'vitest';
import { type FiredrillError, isFiredrillError } from '../../src/core/errors.ts';
import type { InjectContext, RecoveryRecord } from '../types.ts';
import type { BadCanaryFault, InferenceServiceCanaryTarget } from './canary.ts';
import { injectKubernetesCanary, watchRolloutStatus } from './canary-inject.ts';
import { type KubeApi, KubeApiError, type KubeObject, type ObjectRef } from './client.ts';
import { recoverKubernetes } from './inject.ts';

/**
 * The canary injector's refusals, recovery and rollback watch against an in-memory API (the happy path over
 * HTTP with the real client is in test/integration/chaos-kubernetes.test.ts).
 */

type Obj = Record<string, any>;

function mergePatch(target: any, patch: any): any {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** One InferenceService; a patch that changes the model is a new revision that takes all (or canary) traffic. */
class MemoryApi implements KubeApi {
  object: Obj | undefined;
  calls: string[] = [];
  readFailures = 0;
  constructor(object: Obj) {
    this.object = object;
  }
  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.calls.push(`GET ${ref.kind}`);
    if (this.readFailures > 0) {
      this.readFailures--;
      throw new KubeApiError(0, 'Unreachable', 'connect ECONNREFUSED');
    }
    return structuredClone(this.object);
  }
  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    this.calls.push(`PATCH ${ref.kind}`);
    const before = this.object?.spec.predictor.model.storageUri;
    this.object = mergePatch(this.object, patch);
    const predictor = this.object!.spec.predictor;
    if (predictor.model.storageUri !== before) {
      const p = this.object!.status.components.predictor;
      const n = Number(p.latestCreatedRevision.slice(-1)) + 1;
      const next = `penguin-predictor-0000${n}`;
      const cp = predictor.canaryTrafficPercent;
      p.previousRolledoutRevision = p.latestRolledoutRevision;
      p.latestCreatedRevision = next;
      p.latestReadyRevision = next;
      p.traffic =
        cp === undefined
          ? [{ latestRevision: true, percent: 100, revisionName: next }]
          : [
              { latestRevision: true, percent: cp, revisionName: next, tag: 'latest' },
              {
                latestRevision: false,
                percent: 100 - cp,
                revisionName: p.latestRolledoutRevision,
                tag: 'prev',
              },
            ];
      if (cp === undefined) p.latestRolledoutRevision = next;
    }
    return structuredClone(this.object!);
  }
  async create(): Promise<KubeObject> {
    throw new Error('not used');
  }
  async delete(): Promise<'deleted' | 'absent'> {
    throw new Error('not used');
  }
  async listEvents() {
    return [];
  }
  async listPods() {
    return [];
  }
}

function isvc(): Obj {
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: 'penguin', namespace: 'model-serving' },
    spec: {
      predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://models/penguin/v1' } },
    },
    status: {
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

const target: InferenceServiceCanaryTarget = {
  kind: 'InferenceService',
  namespace: 'model-serving',
  name: 'penguin',
  versions: { v2: { storageUri: 'gs://models/penguin/v2' } },
};
const fault: BadCanaryFault = {
  id: 'bad-v2',
  kind: 'bad-canary',
  at: 0,
  duration: 10_000,
  version: 'v2',
  weight: 20,
  accuracyDrop: 0.1,
};

function context(api: MemoryApi): InjectContext & { records: RecoveryRecord[]; callsAtRecord: number[] } {
  const records: RecoveryRecord[] = [];
  const callsAtRecord: number[] = [];
  return {
    runId: 'run-1',
    ttlMs: 20_000,
    signal: new AbortController().signal,
    now: Date.now,
    records,
    callsAtRecord,
    recordRecovery(record) {
      records.push(record);
      callsAtRecord.push(api.calls.filter((c) => c.startsWith('PATCH')).length);
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<FiredrillError> {
  try {
    await promise;
  } catch (error) {
    if (isFiredrillError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const timing = { pollIntervalMs: 10, landedTimeoutMs: 500, revertTimeoutMs: 500 };

describe('bad-canary on an InferenceService', () => {
  it('inject → landed at 20 % on the new revision → revert → 100 % on a revision with the v1 model', async () => {
    const api = new MemoryApi(isvc());
    const ctx = context(api);
    const handle = await injectKubernetesCanary(
      fault,
      { client: api, allowedNamespaces: ['model-serving'], canary: target, ...timing },
      ctx,
    );
    expect(ctx.callsAtRecord).toEqual([0]);
    expect(api.object!.spec.predictor).toMatchObject({
      canaryTrafficPercent: 20,
      model: { storageUri: 'gs://models/penguin/v2' },
    });
    expect(JSON.parse(api.object!.metadata.annotations['firedrill.dev/canary-behaviour'])).toEqual({
      version: 'v2',
      weight: 20,
      accuracyDrop: 0.1,
    });
    const landed = await handle.landed();
    expect(landed).toMatchObject({
      landed: true,
      evidence: expect.stringContaining(
        'penguin-predictor-00002(latest) 20%, penguin-predictor-00001(prev) 80%',
      ),
    });
    await handle.revert();
    expect(api.object!.spec).toEqual(isvc().spec);
    expect(api.object!.status.components.predictor.traffic).toEqual([
      { latestRevision: true, percent: 100, revisionName: 'penguin-predictor-00003' },
    ]);
  });

  it('refuses before journaling anything: namespace off the allowlist, a canary already in progress', async () => {
    const api = new MemoryApi(isvc());
    const ctx = context(api);
    const off = await rejection(
      injectKubernetesCanary(fault, { client: api, allowedNamespaces: ['other'], canary: target }, ctx),
    );
    expect(off.code).toBe('FD_TARGET_NOT_ALLOWED');
    expect(api.calls).toEqual([]);
    api.object!.spec.predictor.canaryTrafficPercent = 10;
    const busy = await rejection(
      injectKubernetesCanary(
        fault,
        { client: api, allowedNamespaces: ['model-serving'], canary: target },
        ctx,
      ),
    );
    expect(busy.message).toContain(
      'is not ready for a canary: a canary is in progress (canaryTrafficPercent 10)',
    );
    const none = await rejection(injectKubernetesCanary(fault, { client: api, allowedNamespaces: [] }, ctx));
    expect(none.hint).toContain('targets.kubernetes.canary');
    expect(ctx.records).toEqual([]);
    expect(api.calls.filter((c) => c.startsWith('PATCH'))).toEqual([]);
  });

  it('a cluster without the CRD: says which controller to install, not "unreachable"', async () => {
    const api = new MemoryApi(isvc());
    api.read = async () => {
      throw new KubeApiError(
        0,
        'Unreachable',
        'get InferenceService model-serving/penguin: Unrecognized API version and kind: serving.kserve.io/v1beta1 InferenceService',
      );
    };
    const error = await rejection(
      injectKubernetesCanary(
        fault,
        { client: api, allowedNamespaces: ['model-serving'], canary: target },
        context(api),
      ),
    );
    expect(error.code).toBe('FD_INJECT_FAILED');
    expect(error.message).toContain('the cluster does not serve serving.kserve.io/v1beta1 InferenceService');
    expect(error.hint).toContain('install KServe');
  });

  it('recover after a crash restores the journaled fields; a second recover, or a foreign change, is left alone', async () => {
    const api = new MemoryApi(isvc());
    const ctx = context(api);
    await injectKubernetesCanary(
      fault,
      { client: api, allowedNamespaces: ['model-serving'], canary: target },
      ctx,
    );
    // "crash": no revert. `firedrill recover` goes through recoverKubernetes with the journaled record.
    const record = ctx.records[0]!;
    expect(JSON.parse(JSON.stringify(record))).toEqual(record); // plain JSON, as the journal stores it
    expect(await recoverKubernetes(record, { client: api, pollIntervalMs: 10, revertTimeoutMs: 500 })).toBe(
      'InferenceService model-serving/penguin restored and back on stable',
    );
    expect(api.object!.spec).toEqual(isvc().spec);
    expect(await recoverKubernetes(record, { client: api })).toContain(
      "does not carry this run's canary: left alone",
    );
    // Someone else's canary under a different run id is never touched.
    await injectKubernetesCanary(
      fault,
      { client: api, allowedNamespaces: ['model-serving'], canary: target },
      {
        ...context(api),
        runId: 'run-2',
      },
    );
    const patches = api.calls.filter((c) => c.startsWith('PATCH')).length;
    expect(await recoverKubernetes(record, { client: api })).toContain('left alone');
    expect(api.calls.filter((c) => c.startsWith('PATCH'))).toHaveLength(patches);
  });
});

describe('watchRolloutStatus', () => {
  const ref = {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    namespace: 'model-serving',
    name: 'penguin',
  };

  it('read failures are blind spans, never a verdict; the rollback is seen after them', async () => {
    const api = new MemoryApi(isvc());
    api.object!.status.components.predictor.traffic = [
      { latestRevision: true, percent: 0, revisionName: 'penguin-predictor-00002' },
      { latestRevision: false, percent: 100, revisionName: 'penguin-predictor-00001' },
    ];
    api.object!.status.components.predictor.latestCreatedRevision = 'penguin-predictor-00002';
    api.readFailures = 3;
    const since = Date.now();
    const result = await watchRolloutStatus({
      client: api,
      ref,
      weight: 20,
      since,
      deadline: since + 2_000,
      pollIntervalMs: 10,
    });
    expect(result).toMatchObject({
      rolledBack: true,
      evidence: expect.stringContaining('penguin-predictor-00001 100%'),
    });
    expect(result.blind).toHaveLength(1);
    expect(result.blind[0]!.reason).toContain('ECONNREFUSED');
    if (!result.rolledBack) throw new Error('unreachable');
    // No controller timestamp in KServe's status: the first poll that saw it.
    expect(result.at).toBe(result.observedAt);
    expect(result.at).toBeGreaterThanOrEqual(since);
  });

  it('a canary that is never rolled back: deadline, with the last status', async () => {
    const api = new MemoryApi(isvc());
    const since = Date.now();
    const result = await watchRolloutStatus({
      client: api,
      ref,
      weight: 20,
      since,
      deadline: since + 150,
      pollIntervalMs: 20,
    });
    expect(result).toMatchObject({ rolledBack: false, reason: 'deadline', blind: [] });
    expect(result.evidence).toContain('penguin-predictor-00001 100%');
    expect(Date.now() - since).toBeLessThan(1_000);
  });

  it('a 403 on every read: no rollback and no absence of one, the RBAC fix in the reason; stops at once when aborted', async () => {
    const api = Object.assign(new MemoryApi(isvc()), {
      read: async (): Promise<KubeObject | undefined> => {
        throw new KubeApiError(
          403,
          'Forbidden',
          'inferenceservices.serving.kserve.io "penguin" is forbidden: User "system:serviceaccount:firedrill:firedrill" cannot get resource "inferenceservices"',
        );
      },
    });
    const stop = new AbortController();
    const since = Date.now();
    setTimeout(() => stop.abort(), 120);
    const result = await watchRolloutStatus({
      client: api,
      ref,
      weight: 20,
      since,
      deadline: since + 10_000,
      pollIntervalMs: 20,
      signal: stop.signal,
    });
    expect(Date.now() - since).toBeLessThan(1_000);
    expect(result).toMatchObject({ rolledBack: false, reason: 'interrupted', reads: 0 });
    // Consecutive failures with one reason are one span.
    expect(result.blind).toHaveLength(1);
    expect(result.blind[0]!.reason).toMatch(
      /^forbidden to read InferenceService model-serving\/penguin: .*cannot get resource "inferenceservices" \(grant firedrill get\/patch on rollouts\.argoproj\.io and inferenceservices\.serving\.kserve\.io/,
    );
    expect(result.blind[0]!.to).toBeGreaterThanOrEqual(since + 50);
  });
});
