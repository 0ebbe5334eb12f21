import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { isFiredrillError } from '../core/errors.ts';
import { CONFIGMAP_MAX_BYTES, k8sName, renderK6OperatorManifests, validateTestRun } from './operator.ts';

const base = {
  name: 'latency_spike',
  namespace: 'loadtest',
  parallelism: 4,
  script: 'export default function () {}\n',
  payloads: '["{}"]\n',
  targetUrl: 'http://model.serving.svc:8080',
  resultsClaim: 'k6-results',
};

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return isFiredrillError(error) ? error.code : 'not a FiredrillError';
  }
  return undefined;
}

describe('renderK6OperatorManifests', () => {
  const { configMap, testRun, yaml } = renderK6OperatorManifests(base);

  it('renders a TestRun the real k6-operator v1.6.0 CRD accepts', () => {
    expect(validateTestRun(testRun)).toEqual([]);
    expect(testRun).toMatchObject({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: {
        name: 'latency-spike',
        namespace: 'loadtest',
        labels: { 'app.kubernetes.io/managed-by': 'firedrill', 'firedrill.dev/scenario': 'latency-spike' },
      },
      spec: {
        parallelism: 4,
        script: { configMap: { name: 'latency-spike-k6-script', file: 'script.js' } },
        arguments: '--out json=/results/$(POD_NAME).ndjson --tag testid=latency-spike',
      },
    });
  });

  it('gives every runner its own NDJSON file on the shared volume and the in-cluster target', () => {
    const runner = (testRun.spec as { runner: Record<string, unknown> }).runner;
    expect(runner.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'FIREDRILL_TARGET', value: 'http://model.serving.svc:8080' },
    ]);
    expect(runner.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: 'k6-results' } }]);
    expect(runner.volumeMounts).toEqual([{ name: 'results', mountPath: '/results' }]);
  });

  it('puts the script and payloads in the ConfigMap the TestRun names, as multi-document YAML', () => {
    expect(configMap.data).toEqual({ 'script.js': base.script, 'payloads.json': base.payloads });
    const docs = parseAllDocuments(yaml).map((d) => d.toJSON());
    expect(docs).toEqual([configMap, testRun]);
  });

  it('refuses a bad parallelism and a ConfigMap over the 1 MiB limit', () => {
    expect(codeOf(() => renderK6OperatorManifests({ ...base, parallelism: 0 }))).toBe('FD_USAGE');
    expect(codeOf(() => renderK6OperatorManifests({ ...base, parallelism: 1.5 }))).toBe('FD_USAGE');
    expect(
      codeOf(() => renderK6OperatorManifests({ ...base, payloads: 'x'.repeat(CONFIGMAP_MAX_BYTES) })),
    ).toBe('FD_USAGE');
  });
});

describe('validateTestRun', () => {
  const { testRun } = renderK6OperatorManifests(base);
  const spec = testRun.spec as Record<string, unknown>;

  it.each([
    [
      'a misspelt field (the API server would prune it)',
      { ...testRun, spec: { ...spec, paralelism: 4 } },
      'paralelism',
    ],
    ['parallelism as a string', { ...testRun, spec: { ...spec, parallelism: '4' } }, '/spec/parallelism'],
    ['no script', { ...testRun, spec: { parallelism: 4 } }, 'script'],
    [
      'arguments as a list',
      { ...testRun, spec: { ...spec, arguments: ['--out', 'json'] } },
      '/spec/arguments',
    ],
    ['args (1.6.0) as a string', { ...testRun, spec: { ...spec, args: '--out json' } }, '/spec/args'],
  ])('rejects %s', (_what, object, mentioned) => {
    const problems = validateTestRun(object);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(mentioned);
  });

  it('accepts the 1.6.0 `args` list', () => {
    expect(validateTestRun({ ...testRun, spec: { ...spec, args: ['--out', 'json=-'] } })).toEqual([]);
  });
});

describe('k8sName', () => {
  it.each([
    ['latency-spike', 'latency-spike'],
    ['Feature_Store.outage', 'feature-store-outage'],
    ['--x--', 'x'],
  ])('%s → %s', (text, name) => {
    expect(k8sName(text)).toBe(name);
  });
});
