import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, readRunJson, root, runCli, shortScenario, writeScenario } from './helpers.ts';

/**
 * Ctrl-C during a fault: traffic stops, the fault is reverted, the report says "aborted", exit 130 —
 * and the model server (from a stack started with `firedrill up`, so it outlives the run) is healthy.
 */
describe('Ctrl-C during a fault, on a stack started by firedrill up', () => {
  let stateDir: string;
  let stack: {
    target: string;
    admin: string;
    adminToken: string;
    webhookSecret: string;
    webhookSecretFile: string;
    controlFile: string;
    components: Array<{ pid: number }>;
  };
  const env = () => ({ ...process.env, FIREDRILL_STATE_DIR: stateDir });

  const adminState = async (): Promise<{ latency: unknown }> =>
    (await (
      await fetch(`${stack.admin}/faults`, { headers: { authorization: `Bearer ${stack.adminToken}` } })
    ).json()) as { latency: unknown };

  /** Starts `firedrill run` on a long latency fault and resolves once the journal says the fault landed. */
  async function runUntilFaultLanded(name: string) {
    const { file, dir } = await writeScenario(
      shortScenario({
        name,
        traffic: { stages: [{ kind: 'constant', rate: 20, duration: '90s' }] },
        faults: [{ id: 'slow', kind: 'latency-spike', at: '2s', duration: '60s', delay: '300ms' }],
      }),
    );
    const out = join(dir, 'reports');
    const child = spawn(process.execPath, [cli, 'run', file, '--out', out, '--quiet'], {
      cwd: root,
      env: env(),
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const journal = join(out, 'latest', 'events.ndjson');
    const deadline = Date.now() + 60_000;
    let landed = false;
    while (Date.now() < deadline && !landed) {
      await new Promise((r) => setTimeout(r, 200));
      landed = existsSync(journal) && readFileSync(journal, 'utf8').includes('"type":"fault-landed"');
    }
    expect(landed, stderr).toBe(true);
    expect((await adminState()).latency).not.toBeNull();
    return { child, out, exited, stderr: () => stderr };
  }

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'firedrill-state-'));
    process.env.FIREDRILL_STATE_DIR = stateDir;
    const up = await runCli(['up'], { timeoutMs: 60_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('stack is up');
    stack = JSON.parse(await readFile(join(stateDir, 'stack.json'), 'utf8'));
    // The up stack's tokens and webhook secret live only in files its owner alone can read.
    for (const file of [join(stateDir, 'stack.json'), stack.controlFile, stack.webhookSecretFile])
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
    expect(readFileSync(stack.webhookSecretFile, 'utf8')).toBe(stack.webhookSecret);
    expect(up.stdout).not.toContain(stack.webhookSecret);
    expect(up.stdout).not.toContain(stack.adminToken);
  });

  afterAll(async () => {
    const down = await runCli(['down'], { timeoutMs: 30_000 });
    delete process.env.FIREDRILL_STATE_DIR;
    expect(down.code).toBe(0);
    for (const c of stack?.components ?? []) expect(() => process.kill(c.pid, 0)).toThrow();
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
    expect(existsSync(stack.controlFile)).toBe(false);
    expect(existsSync(stack.webhookSecretFile)).toBe(false);
  });

  it('reverts the fault, exits 130 within 5 s, and leaves the model server healthy', async () => {
    const { child, out, exited, stderr } = await runUntilFaultLanded('interrupted');
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr()).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(5000);

    expect((await adminState()).latency).toBeNull();
    const started = performance.now();
    const infer = await fetch(`${stack.target}/v2/models/penguins/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          { name: 'features', shape: [1, 4], datatype: 'FP32', data: [39.1, 18.7, 181, 3750] },
          { name: 'entity_id', shape: [1], datatype: 'INT64', data: [0] },
        ],
      }),
    });
    expect(infer.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(250);

    const run = await readRunJson(out);
    expect(run.verdict).toBe('aborted');
    expect(run.exitCode).toBe(130);
    expect(run.faults[0].revertedAt).not.toBeNull();
    const events = (await readFile(join(out, 'latest', 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).type);
    expect(events).toContain('fault-reverted');

    // A run on an up stack: no file of its folder holds the stack's admin token or webhook secret.
    const entries = await readdir(join(out, run.runId), { withFileTypes: true, recursive: true });
    const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const content = await readFile(file);
      for (const secret of [stack.adminToken, stack.webhookSecret])
        expect(content.includes(secret), `${file} holds a secret`).toBe(false);
    }
  });

  it('after SIGKILL mid-fault, `firedrill recover` reverts the fault from the journal, and twice is harmless', async () => {
    const { child, out, exited } = await runUntilFaultLanded('killed');
    child.kill('SIGKILL');
    await exited;
    expect((await adminState()).latency).not.toBeNull();

    const first = await runCli(['recover', '--out', out], { timeoutMs: 30_000 });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/recovered slow \(latency-spike on local\)/);
    expect((await adminState()).latency).toBeNull();
    const second = await runCli(['recover', '--out', out], { timeoutMs: 30_000 });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/clean\s+slow: reverted or recovered before/);
  });
});
