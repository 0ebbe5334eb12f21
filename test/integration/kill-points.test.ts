import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downCommand, upCommand } from '../../src/cli/stack-commands.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { JournalEvent } from '../../src/journal/index.ts';
import { journaledComponents, recoverRun } from '../../src/run/recover.ts';
import { runGameDay } from '../../src/run/runner.ts';
import { isZombie, type StackEndpoints, type StackState } from '../../src/stack/index.ts';
import { assertClean, infer, quietLog } from './chaos-helpers.ts';
import { cli, root, until, writeScenario } from './helpers.ts';

/**
 * Nothing left behind, at any point: `firedrill run` is SIGKILLed right after a given journal event
 * (FIREDRILL_TEST_KILL_AT, see src/cli/test-hooks.ts), then recovery runs. Afterwards no process of the run
 * remains (every process it started carries a tag in its environment: supervisors' children, stress
 * workers), no fault remains (admin API, proxy, supervisors), the model server answers as before, and the
 * run folder's run.json says `aborted` with what recover did.
 *
 * Recovery is `recoverRun`, what `firedrill recover` runs (the CLI around it is covered by interrupt.test.ts).
 *
 * Cost: the stack-start kill is the real `firedrill run` CLI with a stack of its own; the kill points after
 * stack start share one stack started by `firedrill up` (in-process) and each runs in a run process started
 * ahead (kill-points.child.ts), so its slow start overlaps the previous kill. The last two checks (Prometheus
 * frozen; Alertmanager and then the target gone) run the game day in this process.
 */
const tagVariable = 'FD_KILLPOINT_TAG';

/** Live processes whose environment carries `tag` (everything a run started inherits it). */
function processesTagged(tag: string): string[] {
  const needle = `${tagVariable}=${tag}\0`;
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) continue;
      if (isZombie(Number(entry))) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120);
      found.push(`${entry} ${cmd}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * The local fault kinds in three groups whose faults can be active together (their landed() checks do not
 * disturb each other), each with its kill points. Within a group the faults start `staggerMs` apart and
 * last 2 s each, so one kill finds the group's faults in different states at once: reverted, landed, one
 * caught mid-action, the rest not begun. `fault-recovery:n` kills with the n-th fault's undo record on disk
 * but the fault not applied (during inject); `fault-reverting:n` as the n-th revert begins; `run-ended` after
 * every fault was reverted, before run.json is written (report writing). The n are chosen so that the
 * mid-action states fall on different kinds.
 */
const groups: Record<
  string,
  { staggerMs: number; points: string[]; faults: Array<Record<string, unknown>> }
> = {
  'admin+stress': {
    // Seven faults 160 ms apart from 1 s, 2 s each: the last one ends as the 4 s of traffic do.
    staggerMs: 160,
    points: ['fault-recovery:4', 'fault-reverting:2'],
    faults: [
      { kind: 'latency-spike', delay: '300ms' },
      { kind: 'error-burst', ratio: 1, status: 503 },
      { kind: 'http-fault', action: 'abort', status: 502, path: '/v1/' },
      { kind: 'gpu-throttle', mode: 'thermal', depth: 0.5 },
      { kind: 'bad-canary', weight: 50, errors: 0.5 },
      { kind: 'cpu-stress', workers: 1, load: 50 },
      { kind: 'memory-stress', size: '32MiB' },
    ],
  },
  // The outage's landed() pings Redis through the proxy: it must be done before Redis is killed.
  'feature-store': {
    staggerMs: 800,
    points: ['fault-recovery:2', 'fault-reverting:1', 'run-ended'],
    faults: [
      { kind: 'feature-store-outage', mode: 'blackhole' },
      { kind: 'container-kill', target: 'feature-store' },
    ],
  },
  processes: {
    staggerMs: 200,
    // One kill only: each restart of the model server costs seconds.
    points: ['fault-recovery:2'],
    faults: [
      { kind: 'pod-failure', target: 'model-server' },
      { kind: 'pod-kill', target: 'feature-store', restartAfter: '1s' },
    ],
  },
};
const kinds = Object.values(groups).flatMap(({ faults }) => faults.map((f) => String(f.kind)));

/** A run of a few seconds: 5 req/s for 4 s, the group's faults from 1 s, 1 s to recover. */
function tinyScenario(group: string): Record<string, unknown> {
  const { faults, staggerMs } = groups[group]!;
  return {
    name: `kp-${group.replace(/\W/g, '-')}`,
    description: 'kill-point test',
    target: { protocol: 'kserve-v2', model: 'penguins' },
    traffic: { stages: [{ kind: 'constant', rate: 5, duration: '4s' }], timeout: '2s' },
    faults: faults.map((fault, i) => ({
      id: String(fault.kind),
      at: `${1000 + staggerMs * i}ms`,
      duration: '2s',
      ...fault,
    })),
    expect: [{ kind: 'alert-silent', alert: 'ModelErrorRatioHigh' }],
    recovery: '1s',
  };
}

const matrix = Object.entries(groups).flatMap(([group, { points }]) =>
  points.map((point) => ({ group, point })),
);

/**
 * Kill point during stack start (a stack of the run's own): the fifth component, Prometheus, just spawned
 * and not ready yet (the supervisors, their children and the proxy are up).
 */
const stackPoints = ['component-started:5'];

/** Where a fault was when the run died, from its last journal event (rows of the table). */
const states = ['before inject', 'during inject', 'injected', 'landed', 'during revert', 'reverted'] as const;
type FaultState = (typeof states)[number];
function faultStates(events: Array<{ type: string; id?: string }>, ids: string[]): Map<string, FaultState> {
  const state = new Map<string, FaultState>(ids.map((id) => [id, 'before inject']));
  const next: Record<string, FaultState> = {
    'fault-recovery': 'during inject',
    'fault-injected': 'injected',
    'fault-landed': 'landed',
    'fault-reverting': 'during revert',
    'fault-reverted': 'reverted',
  };
  for (const e of events) if (e.id && next[e.type]) state.set(e.id, next[e.type]!);
  return state;
}

/** Row → column → how many kills found that fault kind in that state (and left nothing behind). */
const table = new Map<string, Map<string, number>>();
const mark = (row: string, column: string) => {
  const cells = table.get(row) ?? new Map<string, number>();
  cells.set(column, (cells.get(column) ?? 0) + 1);
  table.set(row, cells);
};

function printTable(wallMs: number): void {
  const rows = ['stack start', ...states, 'report writing'];
  const columns = ['(stack)', ...kinds];
  const width = Math.max(...rows.map((p) => p.length));
  const lines = [
    `kill point × fault kind: kills that found the fault in that state, all clean after recover (${(wallMs / 1000).toFixed(1)} s)`,
    `${''.padEnd(width)}  ${columns.join('  ')}`,
    ...rows.map(
      (row) =>
        `${row.padEnd(width)}  ${columns.map((c) => String(table.get(row)?.get(c) ?? '·').padEnd(c.length)).join('  ')}`,
    ),
  ];
  console.log(lines.join('\n'));
}

/** A `firedrill run` process: the CLI itself, or a pre-started one (kill-points.child.ts) waiting for its job. */
interface RunProcess {
  child: ChildProcess;
  tag: string;
  stderr: () => string;
  exited: Promise<string>;
  /** Resolves once the process can take its job (at once for the CLI). */
  ready: Promise<void>;
}

function watch(child: ChildProcess, tag: string, ready: Promise<void>): RunProcess {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)),
  );
  return { child, tag, stderr: () => stderr, exited, ready };
}

/** Starts a pre-warmed run process: its imports overlap whatever the test does meanwhile. */
function prestartRun(): RunProcess {
  const tag = randomBytes(8).toString('hex');
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, 'kill-points.child.ts')],
    { cwd: root, env: { ...process.env, [tagVariable]: tag }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined));
    child.once('exit', () => reject(new Error('the pre-started run process exited before it was ready')));
  });
  ready.catch(() => {});
  return watch(child, tag, ready);
}

/**
 * Runs a game day with the kill hook in `process` (or the real `firedrill run` CLI when none is given) and
 * resolves once it is dead, with its run folder and journal.
 */
async function killedRun(
  scenario: Record<string, unknown>,
  point: string,
  stateDir: string,
  prestarted?: RunProcess,
): Promise<{ runDir: string; tag: string; events: Array<{ type: string; id?: string }> }> {
  const { file, dir } = await writeScenario(scenario);
  const out = join(dir, 'reports');
  let run: RunProcess;
  if (prestarted) {
    run = prestarted;
    await run.ready;
    run.child.stdin?.end(
      `${JSON.stringify({ scenarioFile: file, reportsDir: out, stateDir, killAt: point })}\n`,
    );
  } else {
    const tag = randomBytes(8).toString('hex');
    const child = spawn(process.execPath, [cli, 'run', file, '--out', out, '--quiet'], {
      cwd: root,
      env: {
        ...process.env,
        FIREDRILL_STATE_DIR: stateDir,
        FIREDRILL_TEST_KILL_AT: point,
        [tagVariable]: tag,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    run = watch(child, tag, Promise.resolve());
  }
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const how = await run.exited;
  clearTimeout(timer);
  // The run died by the hook's SIGKILL; had the point never come, it would have exited by itself.
  expect(how, `firedrill run (kill at ${point}) ${run.stderr()}`).toBe('SIGKILL');
  const runDir = realpathSync(join(out, 'latest'));
  const events = readFileSync(join(runDir, 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; id?: string });
  const [type] = point.split(':');
  expect(events.at(-1)?.type).toBe(type);
  return { runDir, tag: run.tag, events };
}

async function readRunJson(runDir: string) {
  return JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8'));
}

async function nothingLeft(tag: string): Promise<void> {
  await until('no process of the run left', 5000, async () =>
    processesTagged(tag).length === 0 ? true : undefined,
  ).catch(() => {
    throw new Error(`processes of the run left behind:\n${processesTagged(tag).join('\n')}`);
  });
}

const started = Date.now();
afterAll(() => printTable(Date.now() - started));

describe.runIf(process.platform === 'linux')('nothing left behind, at any kill point', () => {
  it.each(stackPoints)('during stack start (%s): recover stops every process', async (point) => {
    // An empty state dir: no `firedrill up` stack, so the run starts its own.
    const emptyState = await mkdtemp(join(tmpdir(), 'firedrill-kp-state-'));
    const { runDir, tag, events } = await killedRun(tinyScenario('processes'), point, emptyState);
    // The journal names all five processes, the one spawned last included.
    expect(journaledComponents(events as JournalEvent[]).map((c) => c.name)).toEqual([
      'redis',
      'feature-store-proxy',
      'model-server',
      'alertmanager',
      'prometheus',
    ]);
    const report = await recoverRun(runDir, quietLog);
    // What is still running depends on timing: the supervisors and the proxy stop by themselves within a
    // second of firedrill's death, Prometheus may die of its broken log pipe; Alertmanager only by recover.
    expect(report.stoppedComponents).toEqual([
      expect.stringMatching(/^(stopped |no process of that stack is still running)/),
    ]);
    expect(report.runJson).toBe('written');
    await nothingLeft(tag);
    const run = await readRunJson(runDir);
    expect(run.verdict).toBe('aborted');
    expect(run.reason).toMatch(/killed before it ended; firedrill recover: embedded stack left by the run: /);
    mark('stack start', '(stack)');
  });

  describe('on a stack started by firedrill up', () => {
    let stateDir: string;
    let stack: StackEndpoints;
    /** The run process of the next kill, started ahead. */
    let next: RunProcess | undefined;

    beforeAll(async () => {
      stateDir = await mkdtemp(join(tmpdir(), 'firedrill-kp-up-'));
      next = prestartRun();
      process.env.FIREDRILL_STATE_DIR = stateDir;
      // `firedrill up` and `down` in this process: the same commands without a CLI start each.
      expect(await upCommand(silentLogger)).toBe(0);
      stack = JSON.parse(await readFile(join(stateDir, 'stack.json'), 'utf8'));
    });

    afterAll(async () => {
      next?.child.kill('SIGKILL');
      const down = await downCommand(silentLogger);
      delete process.env.FIREDRILL_STATE_DIR;
      expect(down).toBe(0);
    });

    /** What the kill point must have caught at least one fault doing. */
    const caught: Record<string, FaultState> = {
      'fault-recovery': 'during inject',
      'fault-reverting': 'during revert',
      'run-ended': 'reverted',
    };

    it.each(matrix)('killed at $point ($group): recover leaves nothing behind', async ({ group, point }) => {
      const before = Date.now();
      const current = next ?? prestartRun();
      const last = matrix.findIndex((m) => m.group === group && m.point === point) === matrix.length - 1;
      next = last ? undefined : prestartRun();
      const { runDir, tag, events } = await killedRun(tinyScenario(group), point, stateDir, current);
      const ids = groups[group]!.faults.map((f) => String(f.kind));
      const at = faultStates(events, ids);
      expect([...at.values()]).toContain(caught[point.split(':')[0]!]);
      const report = await recoverRun(runDir, quietLog);
      // Recover reverts exactly the faults whose undo record is journaled and that were not reverted.
      const pending = ids.filter((id) => !['before inject', 'reverted'].includes(at.get(id)!));
      expect(report.faults.map((f) => `${f.id} ${f.outcome}`).sort()).toEqual(
        pending.map((id) => `${id} recovered`).sort(),
      );
      expect([...report.alreadyClean].sort()).toEqual(ids.filter((id) => at.get(id) === 'reverted').sort());
      expect(report.runJson).toBe('written');
      await nothingLeft(tag);
      // No fault remains and the model server answers as before (a restarted component within seconds).
      await until('a clean stack', 20_000, async () =>
        (await assertClean(stack)).length === 0 ? true : undefined,
      ).catch(async () => {
        throw new Error(`stack not clean: ${(await assertClean(stack)).join('; ')}`);
      });
      const t0 = performance.now();
      expect(await infer(stack)).toBe(200);
      expect(performance.now() - t0).toBeLessThan(250);
      const run = await readRunJson(runDir);
      expect(run.verdict).toBe('aborted');
      expect(run.reason).toContain('firedrill recover: ');
      for (const id of pending) expect(run.reason).toContain(`recovered ${id} (${id} on local)`);
      for (const id of ids) mark(point === 'run-ended' ? 'report writing' : at.get(id)!, id);
      console.log(`kill at ${point} (${group}): ${Date.now() - before} ms`);
    });

    /** Runs a game day in this process on the `up` stack; `onEvent` sees each journal event once on disk. */
    async function gameDay(scenario: Record<string, unknown>, onEvent: (event: JournalEvent) => void) {
      const { file, dir } = await writeScenario(scenario);
      const startedAt = Date.now();
      const result = await runGameDay({
        scenarioFile: file,
        reportsDir: join(dir, 'reports'),
        log: quietLog,
        signal: new AbortController().signal,
        afterJournalAppend: onEvent,
      });
      return { ...result, wallMs: Date.now() - startedAt };
    }
    const pidOf = async (name: string) =>
      (JSON.parse(await readFile(join(stateDir, 'stack.json'), 'utf8')) as StackState).components.find(
        (c) => c.name === name,
      )!.pid;

    // It leaves Prometheus with a late alert episode, which no kill above would mind anyway.
    it('Prometheus SIGSTOPped while the deciding window passes: its expectations are inconclusive, exit 11', async () => {
      const prometheusPid = await pidOf('prometheus');
      let resumed: NodeJS.Timeout | undefined;
      let stopped = false;
      const result = await gameDay(
        {
          name: 'kp-prometheus-stopped',
          description: 'Prometheus frozen across the detection window',
          target: { protocol: 'kserve-v2', model: 'penguins' },
          traffic: { stages: [{ kind: 'constant', rate: 5, duration: '5s' }], timeout: '2s' },
          faults: [{ id: 'slow', kind: 'latency-spike', at: '1s', duration: '3s', delay: '300ms' }],
          expect: [
            { id: 'fires', kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'slow', within: '6s' },
            // An alert no earlier kill on this shared stack can have left firing (an error burst killed
            // mid-fault keeps ModelErrorRatioHigh up for a while): the check is about blindness, not them.
            { id: 'quiet', kind: 'alert-silent', alert: 'FeatureDriftPSIHigh' },
          ],
          recovery: '2s',
        },
        (event) => {
          if (event.type !== 'fault-injected') return;
          // Frozen from the injection until past the expectation's deadline (injection + 6 s).
          process.kill(prometheusPid, 'SIGSTOP');
          stopped = true;
          resumed = setTimeout(() => process.kill(prometheusPid, 'SIGCONT'), 6500);
        },
      ).finally(() => {
        clearTimeout(resumed);
        process.kill(prometheusPid, 'SIGCONT');
      });
      expect(stopped).toBe(true);
      expect(result.exitCode).toBe(11);
      expect(result.outcome.verdict).toBe('inconclusive');
      expect(result.outcome.blind.map((b) => b.backend)).toContain('prometheus');
      for (const id of ['fires', 'quiet']) {
        expect(result.outcome.expectations.find((e) => e.id === id)).toMatchObject({
          verdict: 'inconclusive',
          detail: expect.stringMatching(/Prometheus could not be read/),
        });
      }
      expect((await fetch(`${stack.prometheus}/-/ready`)).status).toBe(200);
      console.log(`Prometheus SIGSTOP run: ${result.wallMs} ms`);
    });

    // Last: it leaves the `up` stack without Alertmanager and model server (`firedrill down` copes).
    it('Alertmanager killed, then the target dying: notified expectations inconclusive, the rest judged, errors counted, no hang', async () => {
      const alertmanagerPid = await pidOf('alertmanager');
      const modelSupervisorPid = await pidOf('model-server');
      let targetKilledAt = 0;
      const result = await gameDay(
        {
          name: 'kp-alertmanager-target',
          description: 'Alertmanager gone, then the model server dies',
          target: { protocol: 'kserve-v2', model: 'penguins' },
          traffic: { stages: [{ kind: 'constant', rate: 5, duration: '5s' }], timeout: '1s' },
          faults: [{ id: 'slow', kind: 'latency-spike', at: '1s', duration: '2s', delay: '300ms' }],
          expect: [
            { id: 'fires', kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'slow', within: '6s' },
            {
              id: 'notified',
              kind: 'alert-fires',
              alert: 'ModelLatencyP99High',
              after: 'slow',
              within: '6s',
              measure: 'notified',
            },
          ],
          // Long enough for the firing expectation's 6 s budget to run out before the run ends.
          recovery: '4s',
        },
        (event) => {
          if (event.type === 'traffic-started') process.kill(alertmanagerPid, 'SIGKILL');
          if (event.type === 'fault-reverted') {
            // The supervisor SIGKILLed: its lifeline takes the model server with it, for good.
            process.kill(modelSupervisorPid, 'SIGKILL');
            targetKilledAt = Date.now();
          }
        },
      );
      expect(targetKilledAt).toBeGreaterThan(0);
      const byId = Object.fromEntries(result.outcome.expectations.map((e) => [e.id, e]));
      expect(byId.notified).toMatchObject({
        verdict: 'inconclusive',
        detail: expect.stringMatching(/Alertmanager could not be read/),
      });
      // Prometheus saw everything: the firing expectation is judged, whichever way.
      expect(['passed', 'failed']).toContain(byId.fires?.verdict);
      expect(result.outcome.blind.map((b) => b.backend)).toContain('alertmanager');
      // The dead target's requests are counted as errors, and the run ended on time (plan: 9 s of traffic
      // and recovery, then judging), not hung on it.
      expect(result.outcome.traffic?.errors).toBeGreaterThan(0);
      expect(result.outcome.traffic?.sent).toBe(25);
      expect(result.wallMs).toBeLessThan(30_000);
      console.log(`Alertmanager + target run: ${result.wallMs} ms`);
    });
  });
});
