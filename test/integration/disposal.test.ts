import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, readRunJson, runCli, shortScenario, writeScenario } from './helpers.ts';

const journalOf = async (out: string) =>
  (await readFile(join(out, 'latest', 'events.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

/**
 * Every resource a run acquires is released on every path, the report is written saying why, and the exit
 * code says whose fault it was.
 */
describe('a run that cannot go on', () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    // No stack from `firedrill up` may be picked up: the run must start (and own) an embedded one.
    process.env.FIREDRILL_STATE_DIR = await mkdtemp(join(tmpdir(), 'firedrill-state-'));
    port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    delete process.env.FIREDRILL_STATE_DIR;
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('a webhook port that is taken: exit 3 before any component starts, naming the port, run.json says why', async () => {
    const { file, dir } = await writeScenario(shortScenario({ name: 'webhook-port-taken' }));
    const out = join(dir, 'reports');
    const result = await runCli(['run', file, '--out', out, '--quiet', '--webhook-port', String(port)], {
      timeoutMs: 90_000,
    });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
    expect(result.stderr).toMatch(/pick another --webhook-port/);

    const run = await readRunJson(out);
    expect(run.verdict).toBe('errored');
    expect(run.exitCode).toBe(3);
    expect(run.reason).toMatch(
      new RegExp(`cannot listen for Alertmanager webhooks on 127\\.0\\.0\\.1:${port}`),
    );
    expect(run.traffic?.sent ?? 0).toBe(0);
    // The stack holds the port before it starts anything: nothing was spawned, nothing is left.
    const types = (await journalOf(out)).map((e) => e.type);
    expect(types).not.toContain('component-starting');
    expect(types.at(-1)).toBe('run-ended');

    // The reports are a function of the journal: `firedrill report` writes the same files again from it.
    const runDir = await realpath(join(out, 'latest'));
    const files = ['run.json', 'junit.xml', 'summary.md'];
    const live = await Promise.all(files.map((f) => readFile(join(runDir, f), 'utf8')));
    for (const f of files) await rm(join(runDir, f));
    const report = await runCli(['report', runDir], { timeoutMs: 30_000 });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/verdict: errored \(exit 3\)/);
    expect(await Promise.all(files.map((f) => readFile(join(runDir, f), 'utf8')))).toEqual(live);

    const missing = await runCli(['report', join(out, 'no-such-run')], { timeoutMs: 30_000 });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-run/events.ndjson');
  });

  it('an alert no rule defines, found after the stack started: the stack is stopped, exit 2, nothing sent', async () => {
    const { file, dir } = await writeScenario(
      shortScenario({
        name: 'unknown-alert',
        expect: [{ kind: 'alert-fires', alert: 'ModelLatencyP99Hihg', after: 'slow', within: '15s' }],
      }),
    );
    const out = join(dir, 'reports');
    const result = await runCli(['run', file, '--out', out, '--quiet'], { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/ModelLatencyP99Hihg/);

    const run = await readRunJson(out);
    expect(run.verdict).toBe('errored');
    expect(run.exitCode).toBe(2);
    expect(run.reason).toMatch(/ModelLatencyP99Hihg.*has no rule for/);
    expect(run.traffic?.sent ?? 0).toBe(0);

    // The stack had started (its processes are in the journal) and none of them is left running.
    const events = await journalOf(out);
    const ready = events.find((e) => e.type === 'stack-ready');
    expect(ready?.ownedPids?.length ?? 0).toBeGreaterThanOrEqual(4);
    for (const { pid } of ready.ownedPids as Array<{ pid: number }>) {
      expect(() => process.kill(pid, 0), `pid ${pid} still running`).toThrow();
    }
    expect(events.at(-1)?.type).toBe('run-ended');
  });
});
