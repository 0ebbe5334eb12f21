import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateTestRun } from '../../src/k6/index.ts';
import { root, runCli } from './helpers.ts';

// `firedrill export` through the real CLI, and the generated k6 script type-checked against @types/k6
// (tsc with allowJs + checkJs, like an editor with the k6 types would check it).

const tsc = join(root, 'node_modules/typescript/bin/tsc');
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-k6-'));
  dirs.push(dir);
  return dir;
}

/** Type-checks `file` (JS) in `dir` against @types/k6; returns tsc's exit status and output. */
async function typeCheck(dir: string, file: string): Promise<{ status: number | null; output: string }> {
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        allowJs: true,
        checkJs: true,
        noEmit: true,
        strict: true,
        target: 'ES2020',
        lib: ['ES2020'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        types: ['k6'],
      },
      files: [file],
    }),
  );
  const result = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('firedrill export k6', () => {
  let out: string;
  let script: string;
  let payloads: string[];
  beforeAll(async () => {
    out = await tempDir();
    const result = await runCli([
      'export',
      'k6',
      'scenarios/latency-spike.ts',
      '--out',
      out,
      '--target',
      'http://127.0.0.1:8080',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    script = await readFile(join(out, 'script.js'), 'utf8');
    payloads = JSON.parse(await readFile(join(out, 'payloads.json'), 'utf8'));
  }, 60_000);

  it('writes a script that type-checks against @types/k6 with zero errors', async () => {
    const { status, output } = await typeCheck(out, 'script.js');
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 60_000);

  it('the type check does catch a broken script (negative control)', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'broken.js'),
      script
        .replace('exec.scenario.iterationInTest', 'exec.scenario.iterationInTests')
        .replace('timeout: TIMEOUT,', 'timeout: TIMEOUT, retries: 3,')
        .replace('"preAllocatedVUs"', '"preallocatedVUs"'),
    );
    const { status, output } = await typeCheck(dir, 'broken.js');
    expect(status).not.toBe(0);
    expect(output).toContain('iterationInTests');
    expect(output).toContain('retries');
    expect(output).toContain('preallocatedVUs');
  }, 60_000);

  it('reproduces the scenario: 40 req/s for 55 s, phase-tagged thresholds, one body per planned request', () => {
    expect(script).toContain('"executor": "ramping-arrival-rate"');
    expect(script).toContain('"startRate": 40');
    expect(script).toContain('"timeUnit": "1s"');
    expect(script).toMatch(/"target": 40,\s*"duration": "55s"/);
    expect(script).toMatch(
      /"http_req_duration\{phase:baseline,expected_response:true\}": \[\s*"p\(99\)<250"\s*\]/,
    );
    expect(script).toMatch(
      /"http_req_duration\{phase:fault,expected_response:true\}": \[\s*"p\(50\)>=400"\s*\]/,
    );
    expect(script).toMatch(/"http_req_failed": \[\s*"rate<0\.01"\s*\]/);
    expect(script).toContain("new SharedArray('payloads'");
    expect(script).toContain('exec.scenario.iterationInTest % payloads.length');
    expect(script).toContain('http://127.0.0.1:8080');
    expect(payloads).toHaveLength(40 * 55);
    const first = JSON.parse(payloads[0]!);
    expect(first.inputs[0]).toMatchObject({ name: 'features', datatype: 'FP32', shape: [1, 4] });
  });

  it('is deterministic for a seed', async () => {
    const again = await tempDir();
    const result = await runCli([
      'export',
      'k6',
      'scenarios/latency-spike.ts',
      '--out',
      again,
      '--target',
      'http://127.0.0.1:8080',
    ]);
    expect(result.code).toBe(0);
    expect(await readFile(join(again, 'payloads.json'), 'utf8')).toBe(`${JSON.stringify(payloads)}\n`);
  }, 60_000);
});

describe('firedrill export k6, closed model', () => {
  it('exports scenarios/capacity-closed.ts as a ramping-vus script that type-checks against @types/k6', async () => {
    const out = await tempDir();
    const result = await runCli(['export', 'k6', 'scenarios/capacity-closed.ts', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const script = await readFile(join(out, 'script.js'), 'utf8');
    expect(script).toContain('"executor": "ramping-vus"');
    expect(script).toContain('"startVUs": 1');
    expect(script).toMatch(/"target": 16,\s*"duration": "20s"/);
    expect(script).toMatch(/"target": 16,\s*"duration": "15s"/);
    expect(script).toContain('"gracefulRampDown": "5s"');
    expect(script).not.toContain('arrival-rate');
    // wrong-answer-ratio has no k6 equivalent: left out, with a warning in the script
    expect(script).toContain(
      '// warning: threshold-run-wrong-answer-ratio-2: wrong-answer-ratio is not exported',
    );
    expect(script).toMatch(
      /"http_req_duration\{stage:hold,expected_response:true\}": \[\s*"p\(99\)<250"\s*\]/,
    );
    const payloads = JSON.parse(await readFile(join(out, 'payloads.json'), 'utf8'));
    expect(payloads).toHaveLength(1000);
    const { status, output } = await typeCheck(out, 'script.js');
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 60_000);
});

describe('firedrill export k6-operator', () => {
  it('writes a ConfigMap and a TestRun that the real CRD accepts', async () => {
    const out = await tempDir();
    const result = await runCli([
      'export',
      'k6-operator',
      'scenarios/latency-spike.ts',
      '--parallelism',
      '3',
      '--namespace',
      'loadtest',
      '--target',
      'http://model.serving.svc:8080',
      '--out',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const docs = parseAllDocuments(await readFile(join(out, 'k6-operator.yaml'), 'utf8')).map((d) =>
      d.toJSON(),
    );
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'TestRun']);
    const [configMap, testRun] = docs;
    expect(validateTestRun(testRun)).toEqual([]);
    expect(testRun.spec.parallelism).toBe(3);
    expect(testRun.metadata.namespace).toBe('loadtest');
    expect(testRun.spec.script.configMap).toEqual({ name: configMap.metadata.name, file: 'script.js' });
    expect(Object.keys(configMap.data).sort()).toEqual(['payloads.json', 'script.js']);
    expect(configMap.data['script.js']).toBe(await readFile(join(out, 'script.js'), 'utf8'));
  }, 60_000);

  it('refuses a missing --parallelism and an unknown format (exit 2)', async () => {
    const missing = await runCli(['export', 'k6-operator', 'scenarios/latency-spike.ts']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--parallelism');
    const unknown = await runCli(['export', 'locust', 'scenarios/latency-spike.ts']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown export format "locust"');
  }, 60_000);
});
