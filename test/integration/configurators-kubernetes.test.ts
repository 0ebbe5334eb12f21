import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConfiguratorSpec,
  kubernetesConfigurator,
  validateInferenceService,
} from '../../src/configure/index.ts';
import type { JournalEvent } from '../../src/journal/index.ts';
import { applyConfiguration } from '../../src/run/index.ts';
import { KubeStandIn } from './kube-standin.ts';

/**
 * The kubernetes configurator through the real @kubernetes/client-node against a stand-in API server on
 * 127.0.0.1 (the faults' KubeStandIn) that serves apps/v1 Deployments and KServe v1beta1 InferenceServices:
 * discovery, GET, PUT conditional on resourceVersion (409 otherwise), `metadata.generation` bumped on a spec
 * change, and controllers that roll out in two steps (half the replicas, then all; an InferenceService goes
 * Ready=False, then True).
 */
class WorkloadApi extends KubeStandIn {
  readonly objects = new Map<string, any>(); // key: `${plural}/${ns}/${name}`
  /** The next rollout stops half way (a new pod that never becomes available); later ones finish. */
  stuckOnce = false;
  rolloutDoneAt = 0;
  stepMs = 150;

  protected async route(req: IncomingMessage, res: ServerResponse, url: URL, body: any): Promise<void> {
    const path = url.pathname;
    if (req.method === 'GET' && path === '/apis/apps/v1') {
      return this.send(
        res,
        200,
        this.resourceList('apps/v1', [
          { name: 'deployments', singularName: 'deployment', kind: 'Deployment', verbs: ['get', 'update'] },
        ]),
      );
    }
    if (req.method === 'GET' && path === '/apis/serving.kserve.io/v1beta1') {
      return this.send(
        res,
        200,
        this.resourceList('serving.kserve.io/v1beta1', [
          {
            name: 'inferenceservices',
            singularName: 'inferenceservice',
            kind: 'InferenceService',
            verbs: ['get', 'update'],
          },
        ]),
      );
    }
    const m =
      /^\/apis\/(apps\/v1|serving\.kserve\.io\/v1beta1)\/namespaces\/([^/]+)\/([a-z]+)\/([^/]+)$/.exec(path);
    if (!m) return this.status(res, 404, 'NotFound', `no route ${path}`);
    const [, , ns, plural, name] = m as unknown as [string, string, string, string, string];
    const key = `${plural}/${ns}/${name}`;
    const stored = this.objects.get(key);
    if (!stored) return this.status(res, 404, 'NotFound', `${plural} "${name}" not found`);
    if (req.method === 'GET') return this.send(res, 200, stored);
    if (req.method !== 'PUT') return this.status(res, 405, 'MethodNotAllowed', req.method ?? '');
    if (body.metadata?.resourceVersion !== stored.metadata.resourceVersion) {
      return this.status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const specChanged = JSON.stringify(body.spec) !== JSON.stringify(stored.spec);
    const next = {
      ...body,
      metadata: {
        ...body.metadata,
        resourceVersion: String(Number(stored.metadata.resourceVersion) + 1),
        generation: stored.metadata.generation + (specChanged ? 1 : 0),
      },
      status: stored.status,
    };
    this.objects.set(key, next);
    if (specChanged) this.rollOut(next, plural);
    return this.send(res, 200, next);
  }

  private rollOut(object: any, plural: string): void {
    const generation = object.metadata.generation;
    if (plural === 'deployments') {
      const want = object.spec.replicas;
      object.status = {
        observedGeneration: generation,
        replicas: want + 1,
        updatedReplicas: 1,
        availableReplicas: want,
      };
      if (this.stuckOnce) {
        this.stuckOnce = false;
        return;
      }
      this.later(this.stepMs, () => {
        object.status = {
          observedGeneration: generation,
          replicas: want,
          updatedReplicas: want,
          availableReplicas: want,
        };
        this.rolloutDoneAt = Date.now();
      });
      return;
    }
    object.status = {
      observedGeneration: generation,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'RevisionMissing',
          message: 'Revision "penguins-predictor-00002" is not ready',
        },
      ],
    };
    this.later(this.stepMs, () => {
      object.status = { observedGeneration: generation, conditions: [{ type: 'Ready', status: 'True' }] };
      this.rolloutDoneAt = Date.now();
    });
  }
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'triton', namespace: 'model-serving', resourceVersion: '100', generation: 1 },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'triton' } },
    template: {
      metadata: { labels: { app: 'triton' } },
      spec: {
        containers: [
          {
            name: 'server',
            image: 'nvcr.io/nvidia/tritonserver:24.05-py3',
            args: ['tritonserver', '--max-queue-delay-ms=0'],
            env: [{ name: 'MAX_BATCH_SIZE', value: '4' }],
          },
        ],
      },
    },
  },
  status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
};

const isvc = {
  apiVersion: 'serving.kserve.io/v1beta1',
  kind: 'InferenceService',
  metadata: { name: 'penguins', namespace: 'model-serving', resourceVersion: '7', generation: 1 },
  spec: {
    predictor: {
      model: {
        modelFormat: { name: 'triton' },
        storageUri: 'gs://models/penguins',
        env: [{ name: 'MAX_BATCH_SIZE', value: '4' }],
      },
    },
  },
  status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] },
};

let api: WorkloadApi;
beforeEach(async () => {
  api = new WorkloadApi();
  await api.start();
  api.objects.set('deployments/model-serving/triton', structuredClone(deployment));
  api.objects.set('inferenceservices/model-serving/penguins', structuredClone(isvc));
});
afterEach(async () => {
  await api.close();
});

const deploymentSpec: Extract<ConfiguratorSpec, { kind: 'kubernetes' }> = {
  kind: 'kubernetes',
  namespace: 'model-serving',
  workload: { kind: 'Deployment', name: 'triton', container: 'server' },
  mapping: { maxBatchSize: { env: 'MAX_BATCH_SIZE' }, maxQueueDelayMs: { arg: '--max-queue-delay-ms' } },
  allowedNamespaces: ['model-serving'],
};

function journal() {
  const events: JournalEvent[] = [];
  return { events, append: (e: JournalEvent) => events.push(e) };
}

describe('kubernetes configurator against the stand-in API', () => {
  it('Deployment: replaces the container env/args, waits for the rollout, restores the original', async () => {
    const configurator = kubernetesConfigurator(deploymentSpec, { kubeConfig: api.kubeConfig() });
    const j = journal();
    const applied = await applyConfiguration(configurator, { maxBatchSize: 16, maxQueueDelayMs: 2 }, j, {
      id: 'c1',
      spec: deploymentSpec,
      confirmTimeoutMs: 5000,
    });
    const confirmedAt = Date.now();
    // confirm returned only once the controller had finished the rollout
    expect(api.rolloutDoneAt).toBeGreaterThan(0);
    expect(api.rolloutDoneAt).toBeLessThanOrEqual(confirmedAt);
    const now = api.objects.get('deployments/model-serving/triton');
    expect(now.spec.template.spec.containers[0]).toMatchObject({
      args: ['tritonserver', '--max-queue-delay-ms=2'],
      env: [{ name: 'MAX_BATCH_SIZE', value: '16' }],
    });
    const put = api.requests.find((r) => r.method === 'PUT');
    expect(put?.path).toBe('/apis/apps/v1/namespaces/model-serving/deployments/triton');
    expect(put?.auth).toBe('Bearer test-token');
    expect(put?.body.metadata.resourceVersion).toBe('100'); // conditional replace

    await applied.restore();
    const back = api.objects.get('deployments/model-serving/triton');
    expect(back.spec).toEqual(deployment.spec);
    expect(j.events.map((e) => e.type)).toEqual([
      'configuration-applying',
      'configuration-applied',
      'configuration-restoring',
      'configuration-restored',
    ]);
  });

  it('a rollout that never finishes is FD_INJECT_FAILED saying why, and the original is written back', async () => {
    api.stuckOnce = true;
    const configurator = kubernetesConfigurator(deploymentSpec, { kubeConfig: api.kubeConfig() });
    const j = journal();
    const error = await applyConfiguration(configurator, { maxBatchSize: 16 }, j, {
      id: 'c1',
      spec: deploymentSpec,
      confirmTimeoutMs: 800,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'FD_INJECT_FAILED',
      message: expect.stringContaining('1 of 2 replicas updated'),
    });
    expect(api.objects.get('deployments/model-serving/triton').spec.template.spec.containers[0].env).toEqual([
      { name: 'MAX_BATCH_SIZE', value: '4' },
    ]);
    expect(j.events.map((e) => e.type)).toEqual([
      'configuration-applying',
      'configuration-apply-failed',
      'configuration-restoring',
      'configuration-restored',
    ]);
  });

  it('InferenceService: writes spec.predictor.model, waits for Ready, and what it wrote passes the KServe CRD', async () => {
    const spec = { ...deploymentSpec, workload: { kind: 'InferenceService' as const, name: 'penguins' } };
    const configurator = kubernetesConfigurator(spec, { kubeConfig: api.kubeConfig() });
    await configurator.apply({ maxBatchSize: 8 });
    await configurator.confirm({ maxBatchSize: 8 }, 5000);
    expect(api.rolloutDoneAt).toBeGreaterThan(0);
    const put = api.requests.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(
      '/apis/serving.kserve.io/v1beta1/namespaces/model-serving/inferenceservices/penguins',
    );
    expect(validateInferenceService(put?.body)).toEqual([]);
    expect(put?.body.spec.predictor.model.env).toEqual([{ name: 'MAX_BATCH_SIZE', value: '8' }]);
  });

  it('--dry-run prints the object it would write and changes nothing', async () => {
    const printed: string[] = [];
    const configurator = kubernetesConfigurator(deploymentSpec, {
      kubeConfig: api.kubeConfig(),
      dryRun: true,
      print: (yaml) => printed.push(yaml),
    });
    await configurator.apply({ maxBatchSize: 32 });
    await configurator.confirm({ maxBatchSize: 32 }, 1000);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('kind: Deployment');
    expect(printed[0]).toMatch(/name: MAX_BATCH_SIZE\n\s+value: "32"/);
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
