import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './helpers.ts';

/**
 * firedrill as a dependency: `npm pack` the repository, install the tarball in a fresh folder outside it
 * (dependencies from the npm cache, which the repository's own install warmed), and drive the installed
 * CLI with a scenario that imports from 'firedrill'. The CLI loads its whole harness (runner, engines,
 * injectors, stack) before it validates, so a module left out of the package fails here too. A full game
 * day from the packed install takes about a minute and is checked by hand, not in `npm test`.
 */

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with a hard time limit (ms); never throws on a non-zero exit. */
function exec(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Exec> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs}ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

const goodScenario = `import { defineScenario, type ScenarioInput } from 'firedrill';

const traffic: ScenarioInput['traffic'] = {
  model: 'open',
  stages: [{ kind: 'constant', name: 'steady', rate: 20, duration: '40s' }],
};

export default defineScenario({
  name: 'packed-error-burst',
  description: 'an error burst, from a scenario outside the firedrill repository',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic,
  faults: [{ id: 'errors', kind: 'error-burst', at: '10s', duration: '15s', ratio: 0.3, status: 500 }],
  expect: [{ kind: 'alert-fires', alert: 'ModelErrorRatioHigh', after: 'errors', within: '15s' }],
});
`;

/** Type-checks (the rate is a string) and fails validation: a rate must be a positive number. */
const brokenScenario = goodScenario
  .replace("name: 'packed-error-burst'", "name: 'broken'")
  .replace('rate: 20,', "rate: 'fast' as unknown as number,");

/** Valid at run time but not to the compiler: the types come through the `types` export condition. */
const mistypedScenario = `import { defineScenario } from 'firedrill';

export default defineScenario({
  name: 'mistyped',
  description: 'a stage with a misspelt kind',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: { model: 'open', stages: [{ kind: 'konstant', name: 'steady', rate: 20, duration: '40s' }] },
  expect: [],
});
`;

let work: string;
let app: string;
let packed: string[];
let validGood: Exec;
let validBroken: Exec;
let typecheck: Exec;

describe('firedrill installed from its npm pack tarball', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'firedrill-pack-'));
    const pack = await exec('npm', ['pack', '--json', '--pack-destination', work], root, 90_000);
    expect(pack.code, pack.stderr).toBe(0);
    const [entry] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packed = entry!.files.map((f) => f.path);

    app = join(work, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
    // --prefer-offline: the cache holds the dependencies (the repository's own install put them there);
    // only what is missing is asked of the registry.
    const install = await exec(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, entry!.filename)],
      app,
      90_000,
    );
    expect(install.code, install.stderr).toBe(0);

    await writeFile(join(app, 'scenario.ts'), goodScenario);
    await writeFile(join(app, 'broken.ts'), brokenScenario);
    await writeFile(join(app, 'mistyped.ts'), mistypedScenario);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['scenario.ts', 'mistyped.ts'],
      }),
    );
    // The CLI runs are independent: run them side by side to keep the test short. `npx --no`: the
    // installed bin or a failure, never a package of that name fetched from the registry.
    [validGood, validBroken, typecheck] = await Promise.all([
      exec('npx', ['--no', 'firedrill', 'validate', 'scenario.ts'], app, 60_000),
      exec('npx', ['--no', 'firedrill', 'validate', 'broken.ts'], app, 60_000),
      exec(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], app, 60_000),
    ]);
  });

  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('packs the harness, its types and the embedded stack fixtures, and none of the tests', () => {
    for (const needed of [
      'bin/firedrill.js',
      'src/index.ts',
      'types/index.d.ts',
      'src/cli/main.ts',
      'src/run/traffic-worker.mjs',
      'fixtures/model-server/main.ts',
      'fixtures/model-server/model.json',
      'fixtures/prometheus/prometheus.yml',
      'fixtures/prometheus/rules/latency.yml',
      'fixtures/alertmanager/alertmanager.yml',
      'fixtures/data/penguins.json',
      'chaos/kubernetes/crds/chaos-mesh.org_podchaos.yaml',
      'src/k6/crds/k6.io_testruns.yaml',
      'scenarios/latency-spike.ts',
    ]) {
      expect(packed, needed).toContain(needed);
    }
    const unwanted = packed.filter((path) =>
      /(^|\/)[^/]+\.test\.ts$|^(test|bench|reports|scripts|docs)\/|^fixtures\/prometheus\/tests\/|testdata\//.test(
        path,
      ),
    );
    expect(unwanted).toEqual([]);
  });

  it('ships every file that a shipped module imports or reads beside itself', async () => {
    const shipped = new Set(packed);
    const missing: string[] = [];
    for (const path of packed.filter((p) => /\.(ts|mjs|js)$/.test(p) && !p.endsWith('.d.ts'))) {
      const source = await readFile(join(app, 'node_modules/firedrill', path), 'utf8');
      const relative = [
        ...source.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g),
        ...source.matchAll(/new URL\('(\.{1,2}\/[^'$]+)', import\.meta\.url\)/g),
      ].map((m) => posix.join(dirname(path), m[1]!));
      const fromRoot = [...source.matchAll(/'(fixtures\/[^'*]+\.\w+)'/g)].map((m) => m[1]!);
      for (const target of [...relative, ...fromRoot]) {
        if (!shipped.has(target)) missing.push(`${path} -> ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('validates a scenario that imports from "firedrill" with the installed CLI (exit 0)', () => {
    expect(validGood.code, validGood.stderr).toBe(0);
    expect(validGood.stdout).toContain('valid scenario "packed-error-burst"');
  });

  it('refuses a broken scenario with exit 2, naming the file and the field, no stack trace', () => {
    expect(validBroken.code).toBe(2);
    expect(validBroken.stderr).toContain('broken.ts: traffic.stages[0].rate');
    expect(validBroken.stderr).not.toMatch(/\n\s+at /);
  });

  it("gives the user's compiler the scenario types through the exports map", () => {
    // One error, in the user's file; none from inside the package (its sources use .ts imports, which a
    // user's tsconfig would reject, so the `types` condition must lead to the declarations).
    const errors = typecheck.stdout.split('\n').filter((line) => line.includes('error TS'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^mistyped\.ts\(7,\d+\): error TS\d+: Type '"konstant"'/);
  });
});
