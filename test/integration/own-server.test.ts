import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, readRunJson, root, runCli, writeScenario } from './helpers.ts';

/**
 * "Bring your own server": a model server that is not the fixture (fixtures/own-server/server.mjs, its own
 * acme_* metric names, its own rules) is what firedrill tests when a scenario or --target names it, through
 * the embedded monitoring stack; a named server that does not answer is exit 3, never the fixture instead.
 */
describe('a game day against a model server the user runs', () => {
  let server: ChildProcess;
  let url: string;
  let reports: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [join(root, 'fixtures/own-server/server.mjs'), '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`own server exited with ${code}`)));
      server.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening on')) resolve();
      });
    });
    reports = await mkdtemp(join(tmpdir(), 'fd-own-'));
  });
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('refuses a target that does not answer with exit 3, naming it and its probe, and sends nothing', async () => {
    const dead = await freePort();
    const { file } = await writeScenario({
      name: 'wrong-target',
      description: 'a target nothing listens on',
      target: {
        url: `http://127.0.0.1:${dead}`,
        protocol: 'kserve-v2',
        model: 'm',
        readiness: { timeout: '1s' },
      },
      rules: join(root, 'fixtures/own-server/rules'),
      traffic: { stages: [{ kind: 'constant', rate: 5, duration: '5s' }] },
      expect: [{ kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 }],
    });
    const out = join(reports, 'wrong');
    const result = await runCli(['run', file, '--out', out, '--quiet'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`target not ready: GET http://127.0.0.1:${dead}/v2/health/ready`);
    expect(result.stderr).toContain('ECONNREFUSED');
    const run = await readRunJson(out);
    expect(run.verdict).toBe('errored');
    expect(run.stack.target).toBe(`http://127.0.0.1:${dead}`);
    expect(run.traffic).toBeNull();
    // Nothing was started for it: no fixture model server, no Prometheus.
    expect(existsSync(join(out, 'latest', 'model-server.log'))).toBe(false);
    expect(existsSync(join(out, 'latest', 'prometheus.log'))).toBe(false);
  });

  it('runs a CPU-contention game day on it with its own rules, and the traffic reaches that server', async () => {
    const out = join(reports, 'own');
    const result = await runCli(
      ['run', join(root, 'fixtures/own-server/gameday.ts'), '--target', url, '--out', out, '--quiet'],
      { timeoutMs: 150_000 },
    );
    const run = await readRunJson(out);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(run.verdict).toBe('passed');
    expect(run.stack).toMatchObject({ target: url, embedded: true });
    expect(run.alerts.map((a: { name: string }) => a.name)).toContain('AcmeLatencyP90High');
    // The embedded monitoring stack: Prometheus and Alertmanager only, scraping the user's job with its rules.
    const runDir = join(out, 'latest');
    expect(existsSync(join(runDir, 'prometheus.log'))).toBe(true);
    expect(existsSync(join(runDir, 'model-server.log'))).toBe(false);
    expect(existsSync(join(runDir, 'redis.log'))).toBe(false);
    const config = await readFile(join(runDir, 'stack', 'prometheus.yml'), 'utf8');
    expect(config).toContain('job_name: "acme-model"');
    expect(config).toContain(join(root, 'fixtures/own-server/rules/acme.yml'));
    expect(config).not.toContain('fixtures/prometheus/rules');
    // Every completed request was answered by the user's server: its own counter saw them.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const served = Number(/acme_inference_requests_total\{code="200"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    expect(served).toBeGreaterThanOrEqual(run.traffic.completed - run.traffic.errors);
    expect(run.traffic.completed).toBeGreaterThan(250);
  });
});
