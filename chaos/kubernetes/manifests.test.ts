import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { isFiredrillError } from '../../src/core/errors.ts';
import { type FaultInput, faultSchema } from '../../src/scenario/faults.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import { chaosCrds, validateChaosObject as validate } from './crd-schema.ts';
import { burnImagePlaceholder, nodePlaceholder } from './gpu.ts';
import {
  buildFaultObjects,
  type ChaosKind,
  faultIdLabel,
  goDuration,
  isDns1123Label,
  labelValue,
  type ManifestObject,
  type ManifestOptions,
  managedByLabel,
  objectName,
  renderKubernetesFaults,
  runIdLabel,
} from './manifests.ts';

const runId = '2025-06-01_10-00-00_kubernetes-gameday';
const options: ManifestOptions = {
  runId,
  allowedNamespaces: ['model-serving', 'data'],
  featureStoreSelector: { namespace: 'data', labelSelectors: { app: 'redis' } },
  gpu: { nodeName: 'gpu-node-1', burnImage: 'registry.example/gpu-burn:1' },
};
const selector = { namespace: 'model-serving', labelSelectors: { app: 'penguin-classifier' } };

function fault(input: { id: string; kind: FaultInput['kind'] } & Record<string, unknown>): Fault {
  return faultSchema.parse({
    at: '10s',
    duration: '45s',
    backend: 'kubernetes',
    selector,
    ...input,
  } as FaultInput) as Fault;
}

const outageModes = [
  { mode: 'blackhole' },
  { mode: 'reset' },
  { mode: 'latency', latency: '200ms' },
  { mode: 'latency', latency: '1s', jitter: '50ms' },
  { mode: 'loss', loss: 0.3 },
  { mode: 'loss', loss: 0.005 },
  { mode: 'bandwidth', bandwidth: 125_000 },
  { mode: 'bandwidth', bandwidth: 10 },
] as const;

/** Every fault kind × option combination the builder accepts, with the CRD action expected. */
const chaosCases: Array<{ name: string; fault: Fault; kind: ChaosKind; check: (spec: any) => void }> = [
  {
    name: 'pod-kill',
    fault: fault({ id: 'kill-one', kind: 'pod-kill' }),
    kind: 'PodChaos',
    check: (s) => expect(s).toMatchObject({ action: 'pod-kill', mode: 'one', gracePeriod: 0 }),
  },
  {
    name: 'pod-kill without labels',
    fault: fault({ id: 'kill-any', kind: 'pod-kill', selector: { namespace: 'model-serving' } }),
    kind: 'PodChaos',
    check: (s) => expect(s.selector).toEqual({ namespaces: ['model-serving'] }),
  },
  {
    name: 'pod-failure',
    fault: fault({ id: 'fail', kind: 'pod-failure' }),
    kind: 'PodChaos',
    check: (s) => expect(s).toMatchObject({ action: 'pod-failure', mode: 'one' }),
  },
  {
    name: 'container-kill',
    fault: fault({ id: 'ckill', kind: 'container-kill', container: 'kserve-container' }),
    kind: 'PodChaos',
    check: (s) => expect(s).toMatchObject({ action: 'container-kill', containerNames: ['kserve-container'] }),
  },
  ...outageModes.flatMap((m) => [
    {
      name: `feature-store-outage ${JSON.stringify(m)} to in-cluster store`,
      fault: fault({ id: `fs-${m.mode}`, kind: 'feature-store-outage', ...m }),
      kind: 'NetworkChaos' as const,
      check: (s: any) => {
        expect(s.direction).toBe('to');
        expect(s.target).toEqual({
          mode: 'all',
          selector: { namespaces: ['data'], labelSelectors: { app: 'redis' } },
        });
      },
    },
    {
      name: `feature-store-outage ${JSON.stringify(m)} to external store`,
      fault: fault({
        id: `fsx-${m.mode}`,
        kind: 'feature-store-outage',
        externalTarget: 'redis.example.com',
        ...m,
      }),
      kind: 'NetworkChaos' as const,
      check: (s: any) => {
        expect(s.externalTargets).toEqual(['redis.example.com']);
        expect(s.target).toBeUndefined();
      },
    },
  ]),
  {
    name: 'feature-store-outage half-open',
    fault: fault({ id: 'fs-half', kind: 'feature-store-outage', mode: 'half-open' }),
    kind: 'NetworkChaos',
    check: (s) => expect(s).toMatchObject({ action: 'partition', direction: 'from' }),
  },
  {
    name: 'http-fault abort',
    fault: fault({ id: 'h-abort', kind: 'http-fault', action: 'abort', port: 8080 }),
    kind: 'HTTPChaos',
    check: (s) => expect(s).toMatchObject({ target: 'Response', replace: { code: 500 }, port: 8080 }),
  },
  {
    name: 'http-fault abort 503 on a path',
    fault: fault({
      id: 'h-503',
      kind: 'http-fault',
      action: 'abort',
      status: 503,
      path: '/v2/models',
      port: 8080,
    }),
    kind: 'HTTPChaos',
    check: (s) => expect(s).toMatchObject({ replace: { code: 503 }, path: '/v2/models*' }),
  },
  {
    name: 'http-fault delay',
    fault: fault({ id: 'h-delay', kind: 'http-fault', action: 'delay', delay: '750ms', port: 8080 }),
    kind: 'HTTPChaos',
    check: (s) => {
      expect(s).toMatchObject({ target: 'Request', delay: '750ms' });
      expect(s.path).toBeUndefined();
    },
  },
  {
    name: 'cpu-stress',
    fault: fault({ id: 'cpu', kind: 'cpu-stress', workers: 4, load: 80 }),
    kind: 'StressChaos',
    check: (s) => expect(s.stressors).toEqual({ cpu: { workers: 4, load: 80 } }),
  },
  {
    name: 'cpu-stress defaults',
    fault: fault({ id: 'cpu-default', kind: 'cpu-stress' }),
    kind: 'StressChaos',
    check: (s) => expect(s.stressors).toEqual({ cpu: { workers: 1, load: 100 } }),
  },
  {
    name: 'memory-stress 1GiB',
    fault: fault({ id: 'mem', kind: 'memory-stress', size: '1GiB', workers: 2 }),
    kind: 'StressChaos',
    check: (s) => expect(s.stressors).toEqual({ memory: { workers: 2, size: '1024MiB' } }),
  },
  {
    name: 'memory-stress 256MB (decimal)',
    fault: fault({ id: 'mem-dec', kind: 'memory-stress', size: '256MB' }),
    kind: 'StressChaos',
    check: (s) => expect(s.stressors.memory.size).toBe('250000KiB'),
  },
];

describe('Chaos Mesh manifests validate against the real v2.8.3 CRDs', () => {
  it.each(chaosCases)('$name', ({ fault: f, kind, check }) => {
    const objects = buildFaultObjects(f, options);
    expect(objects).toHaveLength(1);
    const object = objects[0]!;
    expect(object.kind).toBe(kind);
    expect(object.apiVersion).toBe('chaos-mesh.org/v1alpha1');
    expect(validate(object)).toEqual([]);
    // The dead-man switch: always the fault's duration.
    expect(object.spec.duration).toBe(goDuration(f.duration));
    expect(object.spec.duration).toBe('45s');
    expect(object.metadata.labels).toEqual({
      [managedByLabel]: 'firedrill',
      [runIdLabel]: runId,
      [faultIdLabel]: f.id,
    });
    expect(isDns1123Label(object.metadata.name)).toBe(true);
    expect(object.metadata.name).toBe(objectName(runId, f.id));
    expect(object.metadata.namespace).toBe('model-serving');
    check(object.spec);
  });

  it('covers every outage mode with the documented action', () => {
    const action = (mode: string) =>
      chaosCases.find((c) => c.fault.kind === 'feature-store-outage' && (c.fault as any).mode === mode)
        ?.fault;
    const actions = Object.fromEntries(
      ['blackhole', 'reset', 'half-open', 'latency', 'loss', 'bandwidth'].map((m) => [
        m,
        buildFaultObjects(action(m)!, options)[0]!.spec.action,
      ]),
    );
    expect(actions).toEqual({
      blackhole: 'partition',
      reset: 'partition',
      'half-open': 'partition',
      latency: 'delay',
      loss: 'loss',
      bandwidth: 'bandwidth',
    });
    const latency = buildFaultObjects(
      fault({ id: 'l', kind: 'feature-store-outage', mode: 'latency', latency: '1s', jitter: '50ms' }),
      options,
    )[0]!;
    expect(latency.spec.delay).toEqual({ latency: '1000ms', jitter: '50ms' });
    const loss = buildFaultObjects(
      fault({ id: 'x', kind: 'feature-store-outage', mode: 'loss', loss: 0.005 }),
      options,
    )[0]!;
    expect(loss.spec.loss).toEqual({ loss: '0.5' });
    const bw = buildFaultObjects(
      fault({ id: 'b', kind: 'feature-store-outage', mode: 'bandwidth', bandwidth: 125_000 }),
      options,
    )[0]!;
    expect(bw.spec.bandwidth).toEqual({ rate: '125000bps', limit: 125_000, buffer: 1600 });
  });

  it('the validators can fail: wrong enums, misspelt fields and bad durations are caught', () => {
    const good = buildFaultObjects(fault({ id: 'k', kind: 'pod-kill' }), options)[0]!;
    expect(validate({ ...good, spec: { ...good.spec, action: 'pod-explode' } })).not.toEqual([]);
    expect(validate({ ...good, spec: { ...good.spec, percent: 50 } })).not.toEqual([]);
    const { selector: _s, ...noSelector } = good.spec;
    expect(validate({ ...good, spec: noSelector })).not.toEqual([]);
    const net = buildFaultObjects(
      fault({ id: 'l', kind: 'feature-store-outage', mode: 'latency', latency: '1s' }),
      options,
    )[0]!;
    expect(validate({ ...net, spec: { ...net.spec, delay: { latency: '1 s' } } })).not.toEqual([]);
    expect(validate({ ...net, spec: { ...net.spec, bandwidth: { rate: '1mbps' } } })).not.toEqual([]);
  });
});

describe('refusals', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (isFiredrillError(error)) return { code: error.code, message: error.message, hint: error.hint };
      throw error;
    }
    throw new Error('did not throw');
  };

  it('refuses a namespace off the allowlist, naming it and how to allow it', () => {
    const refused = code(() =>
      buildFaultObjects(
        fault({ id: 'k', kind: 'pod-kill', selector: { namespace: 'kube-system' } }),
        options,
      ),
    );
    expect(refused.code).toBe('FD_TARGET_NOT_ALLOWED');
    expect(refused.message).toContain('"kube-system"');
    expect(refused.message).toContain('model-serving, data');
    expect(refused.hint).toContain('allowedNamespaces');
    const empty = code(() =>
      buildFaultObjects(fault({ id: 'k', kind: 'pod-kill' }), { runId, allowedNamespaces: [] }),
    );
    expect(empty.code).toBe('FD_TARGET_NOT_ALLOWED');
    expect(empty.message).toContain('allowlist is empty');
  });

  it('refuses the in-cluster store namespace off the allowlist too', () => {
    const refused = code(() =>
      buildFaultObjects(fault({ id: 'fs', kind: 'feature-store-outage', mode: 'blackhole' }), {
        ...options,
        featureStoreSelector: { namespace: 'secrets', labelSelectors: {} },
      }),
    );
    expect(refused.code).toBe('FD_TARGET_NOT_ALLOWED');
    expect(refused.message).toContain('"secrets"');
  });

  it.each([
    ['container-kill without container', fault({ id: 'c', kind: 'container-kill' }), 'container'],
    [
      'http-fault share < 1',
      fault({ id: 'h', kind: 'http-fault', action: 'abort', share: 0.5, port: 80 }),
      'percentage',
    ],
    ['http-fault without port', fault({ id: 'h', kind: 'http-fault', action: 'abort' }), 'port'],
    ['gpu thermal', fault({ id: 'g', kind: 'gpu-throttle', mode: 'thermal', depth: 0.5 }), 'thermal'],
    [
      'half-open to an external store',
      fault({ id: 'f', kind: 'feature-store-outage', mode: 'half-open', externalTarget: '10.0.0.5/32' }),
      'externalTargets',
    ],
    [
      'latency-spike',
      faultSchema.parse({
        id: 'l',
        kind: 'latency-spike',
        at: '0s',
        duration: '5s',
        delay: '1s',
        backend: 'kubernetes',
      }) as Fault,
      'http-fault',
    ],
  ])('%s', (_name, f, word) => {
    const refused = code(() => buildFaultObjects(f, options));
    expect(refused.code).toBe('FD_INJECT_FAILED');
    expect(`${refused.message} ${refused.hint}`).toContain(word);
  });

  it('refuses an outage with no store to cut off', () => {
    const refused = code(() =>
      buildFaultObjects(fault({ id: 'f', kind: 'feature-store-outage', mode: 'blackhole' }), {
        runId,
        allowedNamespaces: ['model-serving'],
      }),
    );
    expect(refused.hint).toContain('externalTarget');
  });
});

describe('names and labels', () => {
  it('are deterministic per run and fault, distinct across runs, DNS-1123 and at most 63 characters', () => {
    expect(objectName(runId, 'kill-one')).toBe(objectName(runId, 'kill-one'));
    expect(objectName(runId, 'kill-one')).not.toBe(objectName(`${runId}-2`, 'kill-one'));
    expect(objectName(runId, 'kill-one')).not.toBe(objectName(runId, 'kill-two'));
    for (const id of ['a', 'x'.repeat(200), 'weird_id.with.dots', '9-starts-with-digit', '---']) {
      const name = objectName(runId, id);
      expect(isDns1123Label(name), name).toBe(true);
      expect(name.length).toBeLessThanOrEqual(63);
    }
    expect(isDns1123Label('Upper')).toBe(false);
    expect(isDns1123Label('a'.repeat(64))).toBe(false);
  });

  it('shortens long run ids in label values with a hash', () => {
    const long = `2025-06-01_10-00-00_${'very-long-scenario-name-'.repeat(5)}`;
    const value = labelValue(long);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/);
    expect(labelValue(`${long}x`)).not.toBe(value);
  });

  it('goDuration writes what Go parses', () => {
    expect(goDuration(45_000)).toBe('45s');
    expect(goDuration(1500)).toBe('1500ms');
    expect(goDuration(0)).toBe('1ms');
  });
});

describe('GPU Jobs', () => {
  const gpuJob = (mode: 'power-cap' | 'clock-lock' | 'contention', depth = 0.4) =>
    buildFaultObjects(fault({ id: `gpu-${mode}`, kind: 'gpu-throttle', mode, depth }), options)[0]!;
  const env = (job: ManifestObject) =>
    Object.fromEntries(
      (job.spec.template as any).spec.containers[0].env.map((e: any) => [e.name, e.value]),
    ) as Record<string, string>;

  it.each(['power-cap', 'clock-lock'] as const)(
    '%s: pinned, privileged, deadline = duration + margin',
    (mode) => {
      const job = gpuJob(mode);
      expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
      expect(job.metadata.name).toBe(objectName(runId, `gpu-${mode}`));
      expect(job.metadata.labels[runIdLabel]).toBe(runId);
      expect(job.spec.activeDeadlineSeconds).toBe(60);
      expect(job.spec.backoffLimit).toBe(0);
      const pod = (job.spec.template as any).spec;
      expect((job.spec.template as any).metadata.labels[faultIdLabel]).toBe(`gpu-${mode}`);
      expect(pod.nodeName).toBe('gpu-node-1');
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.containers[0].securityContext.privileged).toBe(true);
      expect(pod.containers[0].image).toBe('nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04');
      expect(env(job)).toMatchObject({
        FD_MODE: mode,
        FD_DEPTH: '0.4',
        FD_DURATION_SECONDS: '45',
        FD_GPUS: '',
      });
      const script = pod.containers[0].args[0] as string;
      expect(script).toContain(mode === 'power-cap' ? 'nvidia-smi -i "$i" -pl' : 'nvidia-smi -i "$i" -lgc');
      expect(script).toContain('-rgc');
      expect(script).toMatch(/trap 'restore; exit 0' TERM INT/);
      expect(script).toContain('sleep "$FD_DURATION_SECONDS" & wait $!');
      // The script is valid bash.
      const check = spawnSync('bash', ['-n'], { input: script });
      expect(check.status, String(check.stderr)).toBe(0);
    },
  );

  it('contention: gpu-burn image, duty cycle from depth', () => {
    const job = gpuJob('contention', 0.25);
    const pod = (job.spec.template as any).spec;
    expect(pod.containers[0].image).toBe('registry.example/gpu-burn:1');
    expect(env(job)).toMatchObject({ FD_ON_SECONDS: '5', FD_OFF_SECONDS: '15', FD_DURATION_SECONDS: '45' });
    expect(job.spec.activeDeadlineSeconds).toBe(60);
    const check = spawnSync('bash', ['-n'], { input: pod.containers[0].args[0] });
    expect(check.status).toBe(0);
  });

  it('placeholders when the node and image are not known (dry-run)', () => {
    const job = buildFaultObjects(fault({ id: 'g', kind: 'gpu-throttle', mode: 'contention', depth: 1 }), {
      runId,
      allowedNamespaces: ['model-serving'],
    })[0]!;
    const pod = (job.spec.template as any).spec;
    expect(pod.nodeName).toBe(nodePlaceholder);
    expect(pod.containers[0].image).toBe(burnImagePlaceholder);
    expect(env(job)).toMatchObject({ FD_ON_SECONDS: '20', FD_OFF_SECONDS: '0' });
  });
});

describe('renderKubernetesFaults (--dry-run)', () => {
  it('prints every kubernetes fault as one YAML document, skipping other backends', () => {
    const faults = [
      fault({ id: 'kill', kind: 'pod-kill' }),
      faultSchema.parse({
        id: 'local-one',
        kind: 'latency-spike',
        at: '0s',
        duration: '5s',
        delay: '1s',
      }) as Fault,
      fault({ id: 'cpu', kind: 'cpu-stress' }),
    ];
    const text = renderKubernetesFaults(faults, options);
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['PodChaos', 'StressChaos']);
    expect(docs[0]).toEqual(buildFaultObjects(faults[0]!, options)[0]);
    for (const doc of docs) expect(validate(doc)).toEqual([]);
    expect(text).toContain('# fault kill (pod-kill)');
    expect(renderKubernetesFaults([faults[1]!], options)).toBe('# no kubernetes faults\n');
  });

  it('refuses like inject does', () => {
    expect(() =>
      renderKubernetesFaults(
        [fault({ id: 'k', kind: 'pod-kill', selector: { namespace: 'prod' } })],
        options,
      ),
    ).toThrow(/"prod" is not on firedrill's allowlist/);
  });
});

describe('chaos/manifests', () => {
  it('rbac.yaml grants exactly the verbs firedrill uses', () => {
    const docs = parseAllDocuments(
      readFileSync(new URL('../manifests/rbac.yaml', import.meta.url), 'utf8'),
    ).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'RoleBinding']);
    const role = docs.find((d) => d.kind === 'ClusterRole');
    expect(role.rules).toEqual([
      {
        apiGroups: ['chaos-mesh.org'],
        resources: ['podchaos', 'networkchaos', 'httpchaos', 'stresschaos'],
        verbs: ['create', 'get', 'delete', 'list', 'watch'],
      },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'delete'] },
      { apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: ['get', 'patch'] },
      { apiGroups: ['argoproj.io'], resources: ['analysistemplates'], verbs: ['get'] },
      { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: ['get', 'patch'] },
      { apiGroups: ['flagger.app'], resources: ['canaries'], verbs: ['get'] },
    ]);
    // The plurals match the CRDs'.
    expect(role.rules[0].resources).toEqual([...chaosCrds().values()].map((c) => c.plural));
    const binding = docs.find((d) => d.kind === 'RoleBinding');
    expect(binding.roleRef.name).toBe(role.metadata.name);
  });
});
