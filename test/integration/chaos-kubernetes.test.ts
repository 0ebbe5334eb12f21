import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readCanaryAnalysis } from '../../chaos/index.ts';
import {
  type BadCanaryFault,
  injectKubernetes,
  injectKubernetesCanary,
  type KubernetesTargets,
  kubeClient,
  objectName,
  type RolloutCanaryTarget,
  recoverKubernetes,
  validateCanaryObject,
  watchRolloutStatus,
} from '../../chaos/kubernetes/index.ts';
import type { LocalTargets } from '../../chaos/local/index.ts';
import type { InjectContext, RecoveryRecord } from '../../chaos/types.ts';
import { systemClock } from '../../src/core/clock.ts';
import { type FiredrillError, isFiredrillError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import { analysisRollbackFloor, rollbackWatchPlan } from '../../src/evaluate/index.ts';
import type { JournalEvent } from '../../src/journal/index.ts';
import { buildRunJson } from '../../src/report/run-json.ts';
import { runJsonSchema } from '../../src/report/run-json-schema.ts';
import { FaultTimeline } from '../../src/run/faults.ts';
import { outcomeFromJournal } from '../../src/run/journal-outcome.ts';
import { type FaultInput, faultSchema } from '../../src/scenario/faults.ts';
import { planScenario } from '../../src/scenario/plan.ts';
import type { Fault, ScenarioInput } from '../../src/scenario/schema.ts';
import { parseScenarioOrThrow } from '../../src/scenario/validate.ts';
import { KubeStandIn } from './kube-standin.ts';

/**
 * A stand-in Kubernetes API server on 127.0.0.1 speaking the real REST paths, playing the Chaos Mesh
 * controller (status.conditions AllInjected/AllRecovered, "Applied"/"Failed" events, a finalizer that holds
 * the object until recovery), the Job controller (a pod that turns Ready) and the Argo Rollouts controller
 * (a merge-patched Rollout whose new template goes to its canary weight, then is aborted; the stable
 * template brings it back to Healthy). The real @kubernetes/client-node talks to it through a KubeConfig
 * built in code.
 */

type Behaviour = {
  /** Status to answer every POST with, instead of creating. */
  createStatus?: number;
  /** Conditions never reach AllInjected=True; a Failed warning event is emitted. */
  neverInject?: boolean;
  /** Deleted objects keep their finalizer forever (recovery stuck). */
  stuckOnDelete?: boolean;
  /** POSTs are never answered. */
  hangOnCreate?: boolean;
  injectDelayMs?: number;
  recoverDelayMs?: number;
  /** Rollouts: ms from the canary reaching its weight to the analysis aborting it (default 300). */
  rolloutAbortAfterMs?: number;
  /** GETs of AnalysisTemplates answer 403 (RBAC without analysistemplates). */
  forbidAnalysisTemplates?: boolean;
};

/** RFC 7386, written out here so the stand-in does not lean on the code under test. */
function mergePatch(target: any, patch: any): any {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const podHash = (template: unknown) => {
  let h = 0;
  for (const ch of JSON.stringify(template)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h.toString(16);
};

interface Stored {
  apiVersion: string;
  kind: string;
  metadata: Record<string, any>;
  spec: Record<string, any>;
  status?: Record<string, any>;
}

const chaosPlurals: Record<string, string> = {
  podchaos: 'PodChaos',
  networkchaos: 'NetworkChaos',
  httpchaos: 'HTTPChaos',
  stresschaos: 'StressChaos',
};

class FakeKubeApi extends KubeStandIn {
  readonly objects = new Map<string, Stored>(); // key: `${plural}/${ns}/${name}`
  readonly events: Array<Record<string, any>> = [];
  pods: Array<Record<string, any>> = [];
  behaviour: Behaviour = {};

  private emit(object: Stored, type: string, reason: string, message: string): void {
    const now = new Date();
    now.setMilliseconds(0); // core/v1 Event timestamps have one-second resolution
    this.events.push({
      metadata: {
        name: `${object.metadata.name}.${this.events.length}`,
        namespace: object.metadata.namespace,
      },
      involvedObject: {
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now.toISOString().replace('.000Z', 'Z'),
      lastTimestamp: now.toISOString().replace('.000Z', 'Z'),
    });
  }

  protected async route(req: IncomingMessage, res: ServerResponse, url: URL, body: any): Promise<void> {
    const path = url.pathname;

    // Discovery, as KubernetesObjectApi does it.
    if (req.method === 'GET' && path === '/apis/chaos-mesh.org/v1alpha1') {
      return this.send(
        res,
        200,
        this.resourceList(
          'chaos-mesh.org/v1alpha1',
          Object.entries(chaosPlurals).map(([name, kind]) => ({
            name,
            singularName: name,
            kind,
            verbs: ['create', 'delete', 'get', 'list', 'watch'],
          })),
        ),
      );
    }
    if (req.method === 'GET' && path === '/apis/batch/v1') {
      return this.send(
        res,
        200,
        this.resourceList('batch/v1', [
          { name: 'jobs', singularName: 'job', kind: 'Job', verbs: ['create', 'delete', 'get'] },
        ]),
      );
    }
    if (req.method === 'GET' && path === '/apis/argoproj.io/v1alpha1') {
      return this.send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'argoproj.io/v1alpha1',
        resources: [
          {
            name: 'rollouts',
            singularName: 'rollout',
            namespaced: true,
            kind: 'Rollout',
            verbs: ['get', 'list', 'patch', 'update', 'watch'],
          },
          {
            name: 'analysistemplates',
            singularName: 'analysistemplate',
            namespaced: true,
            kind: 'AnalysisTemplate',
            verbs: ['get', 'list', 'watch'],
          },
        ],
      });
    }
    const rollout = /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/rollouts\/([^/]+)$/.exec(path);
    if (rollout) return this.handleRollout(req, res, `rollouts/${rollout[1]}/${rollout[2]}`, body);
    const template = /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/analysistemplates\/([^/]+)$/.exec(
      path,
    );
    if (template && req.method === 'GET') {
      const stored = this.objects.get(`analysistemplates/${template[1]}/${template[2]}`);
      if (this.behaviour.forbidAnalysisTemplates) {
        return this.status(
          res,
          403,
          'Forbidden',
          `analysistemplates.argoproj.io "${template[2]}" is forbidden: User "system:serviceaccount:firedrill:firedrill" cannot get resource "analysistemplates" in API group "argoproj.io" in the namespace "${template[1]}"`,
        );
      }
      return stored
        ? this.send(res, 200, stored)
        : this.status(res, 404, 'NotFound', `analysistemplates.argoproj.io "${template[2]}" not found`);
    }
    let m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(path);
    if (m && req.method === 'GET') {
      const fields = Object.fromEntries(
        (url.searchParams.get('fieldSelector') ?? '')
          .split(',')
          .filter(Boolean)
          .map((kv) => kv.split('=')),
      );
      const items = this.events.filter(
        (e) =>
          e.metadata.namespace === m![1] &&
          (!fields['involvedObject.name'] || e.involvedObject.name === fields['involvedObject.name']) &&
          (!fields['involvedObject.kind'] || e.involvedObject.kind === fields['involvedObject.kind']),
      );
      return this.send(res, 200, { kind: 'EventList', apiVersion: 'v1', metadata: {}, items });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
    if (m && req.method === 'GET') {
      const wanted = (url.searchParams.get('labelSelector') ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => kv.split('='));
      const items = this.pods.filter(
        (p) => p.metadata.namespace === m![1] && wanted.every(([k, v]) => p.metadata.labels?.[k!] === v),
      );
      return this.send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
    }
    m = /^\/apis\/(chaos-mesh\.org\/v1alpha1|batch\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?$/.exec(
      path,
    );
    if (!m) return this.status(res, 404, 'NotFound', `no route ${path}`);
    const [, group, ns, plural, name] = m as unknown as [string, string, string, string, string | undefined];
    const key = (n: string) => `${plural}/${ns}/${n}`;
    if (req.method === 'POST' && !name) {
      if (this.behaviour.hangOnCreate) {
        this.hanging.push(res);
        return;
      }
      if (this.behaviour.createStatus) {
        const code = this.behaviour.createStatus;
        return this.status(
          res,
          code,
          code === 403 ? 'Forbidden' : 'Invalid',
          `${plural}.${group.split('/')[0]} is forbidden: User "system:serviceaccount:firedrill:firedrill" cannot create resource "${plural}" in the namespace "${ns}"`,
        );
      }
      const k = key(body.metadata.name);
      if (this.objects.has(k)) {
        return this.status(res, 409, 'AlreadyExists', `${plural} "${body.metadata.name}" already exists`);
      }
      const stored: Stored = {
        ...body,
        metadata: {
          ...body.metadata,
          namespace: ns,
          uid: `uid-${this.objects.size + 1}`,
          creationTimestamp: new Date().toISOString(),
          finalizers: plural === 'jobs' ? [] : ['chaos-mesh/records'],
        },
        status: plural === 'jobs' ? {} : { experiment: { desiredPhase: 'Run' }, conditions: [] },
      };
      this.objects.set(k, stored);
      this.play(stored, plural);
      return this.send(res, 201, stored);
    }
    if (!name) return this.status(res, 405, 'MethodNotAllowed', 'list not served');
    const stored = this.objects.get(key(name));
    if (req.method === 'GET') {
      return stored
        ? this.send(res, 200, stored)
        : this.status(res, 404, 'NotFound', `${plural} "${name}" not found`);
    }
    if (req.method === 'DELETE') {
      if (!stored) return this.status(res, 404, 'NotFound', `${plural} "${name}" not found`);
      stored.metadata.deletionTimestamp ??= new Date().toISOString();
      if (!this.behaviour.stuckOnDelete) {
        this.later(this.behaviour.recoverDelayMs ?? 150, () => {
          if (stored.status?.conditions) {
            stored.status.conditions = stored.status.conditions.map((c: any) =>
              c.type === 'AllRecovered'
                ? { ...c, status: 'True' }
                : c.type === 'AllInjected'
                  ? { ...c, status: 'False' }
                  : c,
            );
            this.emit(stored, 'Normal', 'Recovered', `Successfully recover chaos for ${ns}/target-pod`);
          }
          this.pods = this.pods.filter((p) => p.metadata.labels?.['job-name'] !== name);
          this.objects.delete(key(name));
        });
      }
      return this.send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', metadata: {} });
    }
    return this.status(res, 405, 'MethodNotAllowed', req.method ?? '');
  }

  /** The Rollout REST verbs firedrill uses (get, merge patch), and the Argo Rollouts controller. */
  private handleRollout(req: IncomingMessage, res: ServerResponse, key: string, body: any) {
    const stored = this.objects.get(key);
    if (!stored)
      return this.status(res, 404, 'NotFound', `rollouts.argoproj.io "${key.split('/')[2]}" not found`);
    if (req.method === 'GET') return this.send(res, 200, stored);
    if (req.method !== 'PATCH') return this.status(res, 405, 'MethodNotAllowed', req.method ?? '');
    if (req.headers['content-type'] !== 'application/merge-patch+json') {
      return this.status(res, 415, 'UnsupportedMediaType', `${req.headers['content-type']} is not supported`);
    }
    const { status: _status, ...patch } = body;
    const patched = mergePatch(stored, patch) as Stored; // status is a subresource: a patch never sets it
    this.objects.set(key, patched);
    this.playRollout(patched);
    return this.send(res, 200, patched);
  }

  /**
   * Argo Rollouts, as far as the canary game day sees it: a template that is not the stable one starts a
   * canary (Progressing, then Paused at the first setWeight with the traffic split in canary.weights), which
   * its analysis aborts after `rolloutAbortAfterMs` (Degraded, abort, abortedAt, weight 0); the stable
   * template back makes it Healthy again (abort cleared).
   */
  private playRollout(object: Stored): void {
    const hash = podHash(object.spec.template);
    const stable = object.status?.stableRS;
    const generation = (object.metadata.generation ?? 1) + 1;
    object.metadata.generation = generation;
    const current = () => this.objects.get(`rollouts/${object.metadata.namespace}/${object.metadata.name}`);
    const still = () => current()?.metadata.generation === generation;
    const weights = (canary: number) => ({
      weights: {
        canary: { weight: canary, podTemplateHash: hash },
        stable: { weight: 100 - canary, podTemplateHash: stable },
      },
    });
    if (hash === stable) {
      this.later(100, () => {
        if (!still()) return;
        const { abort: _a, abortedAt: _at, message: _m, pauseConditions: _p, ...rest } = object.status ?? {};
        object.status = {
          ...rest,
          phase: 'Healthy',
          currentPodHash: stable,
          currentStepIndex: object.spec.strategy.canary.steps?.length ?? 0,
          canary: { weights: { canary: { weight: 0 }, stable: { weight: 100, podTemplateHash: stable } } },
        };
      });
      return;
    }
    const weight = object.spec.strategy.canary.steps?.[0]?.setWeight ?? 0;
    object.status = { ...object.status, phase: 'Progressing', currentPodHash: hash, currentStepIndex: 0 };
    this.later(100, () => {
      if (!still()) return;
      object.status = {
        ...object.status,
        phase: 'Paused',
        currentStepIndex: 1,
        updatedReplicas: 1,
        pauseConditions: [{ reason: 'CanaryPauseStep', startTime: new Date().toISOString() }],
        canary: weights(weight),
      };
      this.later(this.behaviour.rolloutAbortAfterMs ?? 300, () => {
        if (!still()) return;
        const { pauseConditions: _p, ...rest } = object.status ?? {};
        object.status = {
          ...rest,
          phase: 'Degraded',
          abort: true,
          abortedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          currentStepIndex: 0,
          message: `RolloutAborted: Rollout aborted update to revision ${generation}: Metric "error-ratio" assessed Failed due to failed (3) > failureLimit (2)`,
          canary: weights(0),
        };
      });
    });
  }

  /** The controllers: Chaos Mesh for chaos kinds, the Job controller + kubelet for jobs. */
  private play(object: Stored, plural: string): void {
    const delay = this.behaviour.injectDelayMs ?? 200;
    if (plural === 'jobs') {
      const podLabels = { ...object.spec.template.metadata.labels, 'job-name': object.metadata.name };
      const pod = {
        metadata: {
          name: `${object.metadata.name}-abcde`,
          namespace: object.metadata.namespace,
          labels: podLabels,
        },
        spec: { nodeName: object.spec.template.spec.nodeName },
        status: { phase: 'Pending', conditions: [] as any[] },
      };
      this.pods.push(pod);
      this.later(delay, () => {
        pod.status = {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
        };
      });
      return;
    }
    this.later(delay, () => {
      if (object.metadata.deletionTimestamp) return;
      const injected = !this.behaviour.neverInject;
      object.status = {
        experiment: { desiredPhase: 'Run' },
        conditions: [
          { type: 'Selected', status: 'True' },
          { type: 'AllInjected', status: injected ? 'True' : 'False' },
          { type: 'AllRecovered', status: 'False' },
          { type: 'Paused', status: 'False' },
        ],
      };
      if (injected) {
        this.emit(
          object,
          'Normal',
          'Applied',
          `Successfully apply chaos for ${object.metadata.namespace}/target-pod`,
        );
      } else {
        this.emit(
          object,
          'Warning',
          'Failed',
          'Failed to apply chaos: rpc error: code = Unknown desc = toda startup takes too long',
        );
      }
    });
  }
}

let api: FakeKubeApi;
beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
});
afterEach(async () => {
  await api.close();
});

function kubeConfig(): KubeConfig {
  return api.kubeConfig();
}

const runId = '2025-06-01_10-00-00_k8s';
const clientFor = () => kubeClient({ kubeConfig: kubeConfig(), requestTimeoutMs: 2_000 });
function targets(extra: Partial<KubernetesTargets> = {}): KubernetesTargets {
  return {
    allowedNamespaces: ['model-serving'],
    kubeConfig: kubeConfig(),
    pollIntervalMs: 50,
    landedTimeoutMs: 2_000,
    revertTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    ...extra,
  };
}

function context(): InjectContext & { records: RecoveryRecord[]; postsAtRecord: number[] } {
  const records: RecoveryRecord[] = [];
  const postsAtRecord: number[] = [];
  return {
    runId,
    ttlMs: 60_000,
    signal: new AbortController().signal,
    now: Date.now,
    records,
    postsAtRecord,
    recordRecovery(record) {
      records.push(record);
      postsAtRecord.push(api.requests.filter((r) => r.method === 'POST').length);
    },
  };
}

const selector = { namespace: 'model-serving', labelSelectors: { app: 'penguin' } };
function fault(input: Record<string, unknown>): Fault {
  return faultSchema.parse({
    at: '0s',
    duration: '30s',
    backend: 'kubernetes',
    selector,
    ...input,
  } as unknown as FaultInput) as Fault;
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

const podKill = () => fault({ id: 'kill-one', kind: 'pod-kill' });
const chaosPath = (plural: string, name: string) =>
  `/apis/chaos-mesh.org/v1alpha1/namespaces/model-serving/${plural}/${name}`;

describe('kubernetes backend against a stand-in API server', () => {
  it('happy path: journal first, create, AllInjected + Applied event, delete, gone', async () => {
    const ctx = context();
    const name = objectName(runId, 'kill-one');
    // Baseline: nothing there.
    expect(api.objects.size).toBe(0);

    const before = Date.now();
    const handle = await injectKubernetes(podKill(), targets(), ctx);
    // Write-ahead: the record was journaled before any POST.
    expect(ctx.postsAtRecord).toEqual([0]);
    expect(ctx.records[0]).toEqual({
      backend: 'kubernetes',
      kind: 'pod-kill',
      cleanupHint: expect.stringContaining(`kubectl delete podchaos -n model-serving ${name}`),
      data: {
        objects: [
          { apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'PodChaos', namespace: 'model-serving', name },
        ],
      },
    });
    expect(JSON.stringify(ctx.records)).not.toContain('test-token');
    const post = api.requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe('/apis/chaos-mesh.org/v1alpha1/namespaces/model-serving/podchaos');
    expect(post.auth).toBe('Bearer test-token');
    expect(post.body.spec).toMatchObject({ action: 'pod-kill', duration: '30s' });
    expect(post.body.metadata.labels['firedrill.dev/run-id']).toBe(runId);

    // Effect observed: the controller reports AllInjected and an Applied event.
    const landed = await handle.landed();
    expect(landed.landed).toBe(true);
    if (!landed.landed) throw new Error('unreachable');
    expect(landed.evidence).toContain('AllInjected=True');
    expect(landed.evidence).toContain('Successfully apply chaos for model-serving/target-pod');
    expect(landed.landedAt).toBeDefined();
    const applied = Date.parse(api.events.find((e) => e.reason === 'Applied')!.firstTimestamp);
    expect(landed.landedAt).toBe(Math.max(applied, before - 1000, Math.floor(before / 1000) * 1000));
    expect(landed.landedAt!).toBeLessThanOrEqual(Date.now());
    expect(api.requests.some((r) => r.path.startsWith('/api/v1/namespaces/model-serving/events?'))).toBe(
      true,
    );
    // landed() is memoized.
    expect(await handle.landed()).toBe(landed);

    // Revert leaves nothing behind, and is idempotent.
    await handle.revert();
    expect(api.objects.size).toBe(0);
    const deletes = api.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((d) => d.path.split('?')[0])).toEqual([chaosPath('podchaos', name)]);
    await handle.revert();
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    // And recover from the journal finds it gone.
    expect(await recoverKubernetes(ctx.records[0]!, { kubeConfig: kubeConfig() })).toContain('already gone');
  });

  it('forbidden (403): FD_INJECT_FAILED pointing at chaos/manifests/rbac.yaml', async () => {
    api.behaviour.createStatus = 403;
    const error = await rejection(injectKubernetes(podKill(), targets(), context()));
    expect(error.code).toBe('FD_INJECT_FAILED');
    expect(error.message).toMatch(/forbidden to create PodChaos model-serving\/fd-kill-one-/);
    expect(error.message).toContain('cannot create resource "podchaos"');
    expect(error.hint).toContain('chaos/manifests/rbac.yaml');
  });

  it('conflict (409) with an object that is not ours: refused, and the object is left alone', async () => {
    const name = objectName(runId, 'kill-one');
    api.objects.set(`podchaos/model-serving/${name}`, {
      apiVersion: 'chaos-mesh.org/v1alpha1',
      kind: 'PodChaos',
      metadata: { name, namespace: 'model-serving', labels: { owner: 'someone-else' } },
      spec: {},
    });
    const error = await rejection(injectKubernetes(podKill(), targets(), context()));
    expect(error.code).toBe('FD_INJECT_FAILED');
    expect(error.message).toContain('already exists and is not this run');
    expect(error.hint).toContain(`kubectl delete podchaos -n model-serving ${name}`);
    expect(api.objects.has(`podchaos/model-serving/${name}`)).toBe(true);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('conflict (409) with our own object of the same run and fault: adopted', async () => {
    const first = await injectKubernetes(podKill(), targets(), context());
    const again = await injectKubernetes(podKill(), targets(), context());
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect((await again.landed()).landed).toBe(true);
    await again.revert();
    await first.revert();
    expect(api.objects.size).toBe(0);
  });

  it('never injected: landed() says not landed, with the conditions and the Failed event', async () => {
    api.behaviour.neverInject = true;
    const handle = await injectKubernetes(podKill(), targets({ landedTimeoutMs: 800 }), context());
    const landed = await handle.landed();
    expect(landed.landed).toBe(false);
    if (landed.landed) throw new Error('unreachable');
    expect(landed.reason).toContain('not injected after 800ms');
    expect(landed.reason).toContain('AllInjected=False');
    expect(landed.reason).toContain('Failed: Failed to apply chaos');
    await handle.revert();
    expect(api.objects.size).toBe(0);
  });

  it('delete that never completes: revert fails within its deadline with the forced-cleanup hint', async () => {
    api.behaviour.stuckOnDelete = true;
    const handle = await injectKubernetes(podKill(), targets({ revertTimeoutMs: 600 }), context());
    await handle.landed();
    const started = Date.now();
    const error = await rejection(handle.revert());
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.code).toBe('FD_REVERT_FAILED');
    expect(error.message).toContain('still present 600ms after delete');
    expect(error.hint).toContain('chaos-mesh.chaos-mesh.org/cleanFinalizer=forced');
    // A later revert tries again (not memoized as done).
    api.behaviour.stuckOnDelete = false;
    api.objects.clear();
    await handle.revert();
  });

  it('an API server that does not answer: create fails after requestTimeoutMs', async () => {
    api.behaviour.hangOnCreate = true;
    const started = Date.now();
    const error = await rejection(injectKubernetes(podKill(), targets({ requestTimeoutMs: 500 }), context()));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe('FD_BACKEND_UNREACHABLE');
    expect(error.message).toContain('no answer in time');
  });

  it('a namespace off the allowlist is refused before any request', async () => {
    const ctx = context();
    const error = await rejection(
      injectKubernetes(fault({ id: 'k', kind: 'pod-kill', selector: { namespace: 'prod' } }), targets(), ctx),
    );
    expect(error.code).toBe('FD_TARGET_NOT_ALLOWED');
    expect(api.requests).toHaveLength(0);
    expect(ctx.records).toHaveLength(0);
  });

  it('NetworkChaos and HTTPChaos go to their own REST paths', async () => {
    const outage = await injectKubernetes(
      fault({
        id: 'fs',
        kind: 'feature-store-outage',
        mode: 'latency',
        latency: '300ms',
        externalTarget: '10.1.2.3',
      }),
      targets(),
      context(),
    );
    const http = await injectKubernetes(
      fault({ id: 'h', kind: 'http-fault', action: 'abort', status: 503, port: 8080 }),
      targets(),
      context(),
    );
    expect((await outage.landed()).landed).toBe(true);
    expect((await http.landed()).landed).toBe(true);
    const posts = api.requests.filter((r) => r.method === 'POST').map((r) => r.path);
    expect(posts).toEqual([
      '/apis/chaos-mesh.org/v1alpha1/namespaces/model-serving/networkchaos',
      '/apis/chaos-mesh.org/v1alpha1/namespaces/model-serving/httpchaos',
    ]);
    await outage.revert();
    await http.revert();
    expect(api.objects.size).toBe(0);
  });

  it('gpu-throttle: a Job pinned to the target pod node, landed when its pod is Ready, deleted in foreground', async () => {
    api.pods.push(
      {
        metadata: { name: 'other', namespace: 'model-serving', labels: { app: 'other' } },
        spec: { nodeName: 'cpu-1' },
        status: { phase: 'Running' },
      },
      {
        metadata: { name: 'penguin-0', namespace: 'model-serving', labels: { app: 'penguin' } },
        spec: { nodeName: 'gpu-node-7' },
        status: { phase: 'Running' },
      },
    );
    const ctx = context();
    const handle = await injectKubernetes(
      fault({ id: 'gpu', kind: 'gpu-throttle', mode: 'power-cap', depth: 0.5 }),
      targets(),
      ctx,
    );
    const name = objectName(runId, 'gpu');
    expect(ctx.records[0]!.data).toEqual({
      objects: [{ apiVersion: 'batch/v1', kind: 'Job', namespace: 'model-serving', name }],
    });
    const post = api.requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe('/apis/batch/v1/namespaces/model-serving/jobs');
    expect(post.body.spec.template.spec.nodeName).toBe('gpu-node-7');
    expect(post.body.spec.activeDeadlineSeconds).toBe(45);
    const landed = await handle.landed();
    expect(landed).toMatchObject({
      landed: true,
      evidence: expect.stringContaining('on node gpu-node-7 Ready'),
    });
    await handle.revert();
    const del = api.requests.find((r) => r.method === 'DELETE')!;
    expect(del.path).toContain(`/apis/batch/v1/namespaces/model-serving/jobs/${name}`);
    expect(
      del.body?.propagationPolicy ?? new URL(del.path, 'http://x').searchParams.get('propagationPolicy'),
    ).toBe('Foreground');
    expect(api.objects.size).toBe(0);
  });

  it('gpu-throttle with no running target pod is refused before anything is journaled', async () => {
    const ctx = context();
    const error = await rejection(
      injectKubernetes(
        fault({ id: 'gpu', kind: 'gpu-throttle', mode: 'clock-lock', depth: 0.3 }),
        targets(),
        ctx,
      ),
    );
    expect(error.code).toBe('FD_INJECT_FAILED');
    expect(error.message).toContain('no running pod in model-serving matches app=penguin');
    expect(ctx.records).toHaveLength(0);
  });

  it('recoverKubernetes deletes what a crashed run left, leaves foreign objects alone, and is idempotent', async () => {
    const ctx = context();
    await injectKubernetes(podKill(), targets(), ctx); // "crash": no revert
    const foreign = 'someone-elses';
    api.objects.set(`stresschaos/model-serving/${foreign}`, {
      apiVersion: 'chaos-mesh.org/v1alpha1',
      kind: 'StressChaos',
      metadata: { name: foreign, namespace: 'model-serving', labels: {} },
      spec: {},
    });
    const record = ctx.records[0]!;
    const mixed: RecoveryRecord = {
      ...record,
      data: {
        objects: [
          ...(record.data.objects as unknown[]),
          {
            apiVersion: 'chaos-mesh.org/v1alpha1',
            kind: 'StressChaos',
            namespace: 'model-serving',
            name: foreign,
          },
        ],
      },
    };
    const said = await recoverKubernetes(mixed, { kubeConfig: kubeConfig(), pollIntervalMs: 50 });
    expect(said).toContain('deleted');
    expect(said).toContain('not managed by firedrill: left alone');
    expect([...api.objects.keys()]).toEqual([`stresschaos/model-serving/${foreign}`]);
    expect(await recoverKubernetes(record, { kubeConfig: kubeConfig() })).toContain('already gone');
  });
});

describe('bad-canary on an Argo Rollout against the stand-in API server', () => {
  const rolloutKey = 'rollouts/model-serving/penguin';
  const template = {
    metadata: { labels: { app: 'penguin' } },
    spec: {
      containers: [
        { name: 'model-server', image: 'registry.local/penguin:v1', ports: [{ containerPort: 8080 }] },
        { name: 'log-shipper', image: 'fluent/fluent-bit:3.0' },
      ],
    },
  };
  const spec = {
    replicas: 5,
    selector: { matchLabels: { app: 'penguin' } },
    template,
    strategy: {
      canary: {
        trafficRouting: { nginx: { stableIngress: 'penguin' } },
        steps: [{ setWeight: 10 }, { pause: { duration: '1m' } }],
      },
    },
  };
  const target: RolloutCanaryTarget = {
    kind: 'Rollout',
    namespace: 'model-serving',
    name: 'penguin',
    container: 'model-server',
    versions: { v2: { image: 'registry.local/penguin:v2' } },
  };
  const canaryFault: BadCanaryFault = {
    id: 'bad-v2',
    kind: 'bad-canary',
    at: 0,
    duration: 30_000,
    version: 'v2',
    weight: 20,
    errors: 0.05,
  };

  it('patches the Rollout (journal first), sees the weight land, watches the abort, restores the spec', async () => {
    const stableHash = podHash(template);
    api.objects.set(rolloutKey, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'penguin', namespace: 'model-serving', generation: 1 },
      spec: structuredClone(spec),
      status: { phase: 'Healthy', currentPodHash: stableHash, stableRS: stableHash, currentStepIndex: 2 },
    });
    const patchesAtRecord: number[] = [];
    const ctx = context();
    const record = ctx.recordRecovery;
    ctx.recordRecovery = (r) => {
      patchesAtRecord.push(api.requests.filter((q) => q.method === 'PATCH').length);
      record(r);
    };
    const canaryTargets = { ...targets(), canary: target };

    const injectedAt = Date.now();
    const handle = await injectKubernetesCanary(canaryFault, canaryTargets, ctx);
    // Write-ahead: the restore patch was journaled before the PATCH went out.
    expect(patchesAtRecord).toEqual([0]);
    expect(ctx.records[0]).toMatchObject({ backend: 'kubernetes', kind: 'bad-canary' });
    expect(ctx.records[0]!.cleanupHint).toContain(
      'kubectl patch rollout -n model-serving penguin --type merge',
    );
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe(
      '/apis/argoproj.io/v1alpha1/namespaces/model-serving/rollouts/penguin?fieldManager=firedrill',
    );
    expect(patch.contentType).toBe('application/merge-patch+json');
    expect(patch.body.spec.strategy.canary.steps).toEqual([{ setWeight: 20 }, { pause: {} }]);
    expect(patch.body.spec.template.spec.containers.map((c: any) => c.image)).toEqual([
      'registry.local/penguin:v2',
      'fluent/fluent-bit:3.0',
    ]);

    // Effect observed: the canary at 20 % in the Rollout status.
    const landed = await handle.landed();
    expect(landed).toMatchObject({ landed: true, evidence: expect.stringContaining('canary weight 20') });

    // The rollback, from the Rollout status (the Kubernetes source of the `rollback` expectation).
    const watched = await watchRolloutStatus({
      client: clientFor(),
      ref: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        namespace: 'model-serving',
        name: 'penguin',
      },
      weight: 20,
      since: injectedAt,
      deadline: Date.now() + 3_000,
      pollIntervalMs: 50,
    });
    expect(watched).toMatchObject({
      rolledBack: true,
      evidence: expect.stringContaining('phase Degraded, abort true'),
      blind: [],
    });
    if (!watched.rolledBack) throw new Error('unreachable');
    // The stand-in aborts ≈ 100 ms + 300 ms after the patch; abortedAt has one-second resolution.
    expect(watched.at).toBeGreaterThanOrEqual(injectedAt);
    expect(watched.at).toBeLessThanOrEqual(watched.observedAt);
    expect(watched.observedAt - injectedAt).toBeGreaterThanOrEqual(350);

    // Revert: the spec is the one read before, and Argo is back on stable; a second revert sends nothing.
    await handle.revert();
    const after = api.objects.get(rolloutKey)!;
    expect(after.spec).toEqual(spec);
    expect(after.metadata.annotations ?? {}).toEqual({});
    expect(after.status).toMatchObject({ phase: 'Healthy', currentPodHash: stableHash });
    expect(after.status!.abort).toBeUndefined();
    const patches = api.requests.filter((r) => r.method === 'PATCH').length;
    await handle.revert();
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(patches);
    // recover from the journal finds nothing of this run's canary left.
    expect(await recoverKubernetes(ctx.records[0]!, { kubeConfig: kubeConfig() })).toContain('left alone');
  });
});

describe('rollback judged from the Rollout status, end to end (preflight floor → executor watch → journal → judge → run.json)', () => {
  const template = {
    metadata: { labels: { app: 'penguin' } },
    spec: { containers: [{ name: 'model-server', image: 'registry.local/penguin:v1' }] },
  };
  function seed(): void {
    const stableHash = podHash(template);
    api.objects.set('rollouts/model-serving/penguin', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'penguin', namespace: 'model-serving', generation: 1 },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'penguin' } },
        template: structuredClone(template),
        strategy: {
          canary: {
            trafficRouting: { nginx: { stableIngress: 'penguin' } },
            steps: [{ setWeight: 10 }, { pause: { duration: '1m' } }],
          },
        },
      },
      status: { phase: 'Healthy', currentPodHash: stableHash, stableRS: stableHash, currentStepIndex: 2 },
    });
    // spec.metrics[] has the AnalysisRun CRD's metric shape (the same Go type in Argo Rollouts).
    api.objects.set('analysistemplates/model-serving/error-rate', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'error-rate', namespace: 'model-serving' },
      spec: {
        metrics: [
          {
            name: 'error-ratio',
            interval: '100ms',
            failureLimit: 2,
            successCondition: 'result[0] < 0.01',
            provider: {
              prometheus: {
                address: 'http://prometheus.monitoring:9090',
                query:
                  'sum(rate(model_requests_total{code=~"5..",version="v2"}[1m])) / sum(rate(model_requests_total{version="v2"}[1m]))',
              },
            },
          },
        ],
      },
    });
  }

  // The injector checks its patch against the Rollout CRD, whose schema compiles once per process (≈ 1 s):
  // compiled here, so that the fault's planned 1.5 s is spent on the canary and not on the first compile.
  beforeAll(() => {
    validateCanaryObject(
      'Rollout',
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' },
      { partial: true },
    );
  });

  function scenarioFor(want: 'rollback' | 'none', within = '1500ms', duration = '1500ms') {
    return parseScenarioOrThrow(
      {
        name: 'k8s-canary-rollback',
        description: 'a bad canary on a Rollout, rolled back by its analysis',
        target: { model: 'penguins' },
        traffic: { stages: [{ kind: 'constant', rate: 1, duration: '2s' }] },
        faults: [
          {
            id: 'bad-v2',
            kind: 'bad-canary',
            at: '0s',
            duration,
            weight: 20,
            errors: 0.05,
            backend: 'kubernetes',
            canary: {
              kind: 'Rollout',
              namespace: 'model-serving',
              name: 'penguin',
              container: 'model-server',
              analysisTemplate: 'error-rate',
              versions: { v2: { image: 'registry.local/penguin:v2' } },
            },
          },
        ],
        expect: [{ kind: 'rollback', after: 'bad-v2', within, expect: want }],
      } satisfies ScenarioInput,
      'k8s-canary-rollback.ts',
    );
  }

  /** The run program's wiring, without traffic or Prometheus: preflight's floor, the fault timeline, the journal. */
  async function runCanary(
    want: 'rollback' | 'none',
    within?: string,
    duration?: string,
    interruptAfterMs?: number,
  ) {
    seed();
    const scenario = scenarioFor(want, within, duration);
    const plan = planScenario(scenario);
    const events: JournalEvent[] = [];
    const journal = { append: (event: JournalEvent) => void events.push(event) };
    const clock = systemClock();
    const chaosTargets = { local: {} as LocalTargets, docker: {}, kubernetes: targets() };
    const analysis = await readCanaryAnalysis(plan.faults[0]!.fault, chaosTargets);
    if ('unknown' in analysis) throw new Error(analysis.unknown);
    const floor = analysisRollbackFloor('Rollout model-serving/penguin', analysis.metrics);
    if ('unknown' in floor) throw new Error(floor.unknown);
    events.push(
      {
        type: 'run-started',
        at: clock.now(),
        runId,
        scenario: scenario.name,
        scenarioFile: 'k8s-canary-rollback.ts',
        planEndMs: plan.endMs,
        definition: scenario,
        target: api.url,
      },
      { type: 'preflight', at: clock.now(), floors: [floor], warnings: [], belowFloor: [] },
    );
    const timeline = new FaultTimeline(plan.faults, {
      targets: chaosTargets,
      journal,
      clock,
      log: silentLogger,
      runId,
      rollbackWatches: rollbackWatchPlan(plan),
    });
    const startedAt = clock.now();
    events.push({ type: 'traffic-started', at: startedAt, engine: 'none', model: 'open' });
    try {
      // Ctrl-C, as execute passes it on: the timeline's signal aborts, then the run unwinds with revertAll().
      const interrupt = new AbortController();
      if (interruptAfterMs !== undefined)
        setTimeout(() => interrupt.abort(new Error('SIGINT')), interruptAfterMs);
      await timeline.run(startedAt, interrupt.signal).catch((error: unknown) => {
        if (!interrupt.signal.aborted) throw error;
      });
    } finally {
      await timeline.revertAll();
    }
    events.push({ type: 'run-ended', at: clock.now() });
    return { events, outcome: outcomeFromJournal(events), floor };
  }

  it('a bad canary aborted by its analysis passes `rollback`, timed from the injection', async () => {
    const began = Date.now();
    // The analysis aborts the canary ≈ 100 ms + 100 ms after the patch, well inside the fault's 1.5 s.
    api.behaviour.rolloutAbortAfterMs = 100;
    const { events, outcome, floor } = await runCanary('rollback');
    // The floor from the AnalysisTemplate: failureLimit 2 × interval 100ms.
    expect(floor).toMatchObject({ alert: 'Rollout model-serving/penguin', floorMs: 200 });

    const types = events.map((e) => e.type);
    const injected = events.find((e) => e.type === 'fault-injected')!;
    const started = events.find((e) => e.type === 'canary-watch-started');
    const ended = events.find((e) => e.type === 'canary-watch-ended');
    expect(started).toMatchObject({
      faultId: 'bad-v2',
      object: 'Rollout model-serving/penguin',
      deadline: injected.at + 1500 + 30_000,
    });
    if (ended?.type !== 'canary-watch-ended') throw new Error('no canary-watch-ended event');
    expect(ended).toMatchObject({ endedBy: 'rollback', fromAt: injected.at, blind: [] });
    expect(ended.evidence).toContain('phase Degraded, abort true');
    expect(ended.reads).toBeGreaterThanOrEqual(1);
    expect(ended.rolledBackAt).toBeGreaterThanOrEqual(injected.at);
    expect(ended.rolledBackAt).toBeLessThanOrEqual(ended.observedAt!);
    // The watch ended (on the rollback) before firedrill's own revert of the canary began.
    expect(types.indexOf('canary-watch-ended')).toBeLessThan(types.indexOf('fault-reverting'));

    const [result] = outcome.expectations;
    expect(result).toMatchObject({
      verdict: 'passed',
      floorMs: 200,
      budgetMs: 1500,
      faultId: 'bad-v2',
      measuredMs: ended.rolledBackAt! - injected.at,
    });
    expect(result!.measuredMs).toBeGreaterThan(0);
    expect(result!.measuredMs).toBeLessThanOrEqual(1500);
    expect(result!.detail).toMatch(
      /^Rollout model-serving\/penguin rolled the canary back .* within the 1.5s budget/,
    );
    expect(outcome.verdict).toBe('passed');

    const json = runJsonSchema.parse(buildRunJson(outcome));
    expect(json.canaryWatches).toEqual([
      expect.objectContaining({
        faultId: 'bad-v2',
        endedBy: 'rollback',
        rolledBackAt: new Date(ended.rolledBackAt!).toISOString(),
      }),
    ]);
    // Reverted: the Rollout is back on stable, the abort cleared.
    expect(api.objects.get('rollouts/model-serving/penguin')!.status).toMatchObject({ phase: 'Healthy' });
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('a canary its analysis never aborts: the watch stops before firedrill reverts it, and `rollback` fails', async () => {
    api.behaviour.rolloutAbortAfterMs = 60_000;
    const { events, outcome } = await runCanary('rollback', '800ms', '1s');
    const types = events.map((e) => e.type);
    const ended = events.find((e) => e.type === 'canary-watch-ended');
    if (ended?.type !== 'canary-watch-ended') throw new Error('no canary-watch-ended event');
    // Stopped by the fault's own revert (the stable template back is no rollback), before that revert acted.
    expect(ended).toMatchObject({ endedBy: 'fault-reverting', rolledBackAt: null, blind: [] });
    expect(ended.evidence).toContain('phase Paused, abort false, canary weight 20');
    expect(types.indexOf('canary-watch-ended')).toBeLessThan(types.indexOf('fault-reverting'));
    expect(outcome.expectations[0]).toMatchObject({ verdict: 'failed', measuredMs: null });
    expect(outcome.expectations[0]!.detail).toMatch(
      /^Rollout model-serving\/penguin did not roll the canary back within 800ms of bad-v2's injection/,
    );
  });

  it('Ctrl-C during the watch: it ends at once as interrupted, the canary is reverted, the verdict inconclusive', async () => {
    api.behaviour.rolloutAbortAfterMs = 60_000;
    const { events, outcome } = await runCanary('rollback', '1500ms', '1500ms', 300);
    const ended = events.find((e) => e.type === 'canary-watch-ended');
    if (ended?.type !== 'canary-watch-ended') throw new Error('no canary-watch-ended event');
    expect(ended).toMatchObject({ endedBy: 'interrupted', rolledBackAt: null });
    expect(ended.toAt - ended.fromAt).toBeLessThan(1000);
    expect(events.map((e) => e.type)).toContain('fault-reverted');
    expect(api.objects.get('rollouts/model-serving/penguin')!.spec.template).toEqual(template);
    expect(outcome.expectations[0]).toMatchObject({ verdict: 'inconclusive', measuredMs: null });
    expect(outcome.expectations[0]!.detail).toMatch(/^no rollback was seen, but the run was interrupted/);
  });

  it('`expect: none` fails on the same abort (a false rollback); an unreadable analysis leaves the floor unknown', async () => {
    api.behaviour.rolloutAbortAfterMs = 100;
    const { outcome } = await runCanary('none');
    expect(outcome.expectations[0]).toMatchObject({ verdict: 'failed' });
    expect(outcome.expectations[0]!.detail).toMatch(/a false rollback/);

    api.behaviour.forbidAnalysisTemplates = true;
    const analysis = await readCanaryAnalysis(planScenario(scenarioFor('rollback')).faults[0]!.fault, {
      local: {} as LocalTargets,
      docker: {},
      kubernetes: targets(),
    });
    expect(analysis).toEqual({
      unknown: expect.stringMatching(
        /^forbidden to read AnalysisTemplate model-serving\/error-rate: .*cannot get resource "analysistemplates".* \(grant firedrill get on analysistemplates\.argoproj\.io/,
      ),
    });
  });
});
