import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConfiguratorSpec, commandConfigurator, tritonConfigurator } from '../../src/configure/index.ts';
import { silentLogger } from '../../src/core/log.ts';
import { FileJournal, parseJournal } from '../../src/journal/index.ts';
import { applyConfiguration, recoverRun } from '../../src/run/index.ts';
import { TritonStandIn } from './triton-standin.ts';

/**
 * Configurators against real HTTP servers on loopback: apply → confirm → restore, the journal written
 * ahead, and `firedrill recover` putting the original back after the applying process was SIGKILLed.
 */

const resnet = {
  name: 'resnet',
  platform: 'onnxruntime_onnx',
  backend: 'onnxruntime',
  max_batch_size: 4,
  input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [3, 224, 224] }],
  output: [{ name: 'output', data_type: 'TYPE_FP32', dims: [1000] }],
  instance_group: [{ name: 'resnet_0', kind: 'KIND_GPU', count: 1, gpus: [0] }],
};

let triton: TritonStandIn;
let dir: string;
beforeEach(async () => {
  triton = new TritonStandIn('resnet', resnet);
  await triton.start();
  dir = mkdtempSync(join(tmpdir(), 'firedrill-configure-'));
});
afterEach(async () => {
  await triton.close();
});

const tritonSpec = (): ConfiguratorSpec & { kind: 'triton' } => ({
  kind: 'triton',
  url: triton.url,
  model: 'resnet',
});

describe('triton configurator (model repository API)', () => {
  it('reloads the model with the config override, waits until it is in effect, and restores the original', async () => {
    const journal = new FileJournal(join(dir, 'events.ndjson'));
    const configurator = tritonConfigurator(tritonSpec());
    const applied = await applyConfiguration(
      configurator,
      { maxBatchSize: 16, maxQueueDelayMs: 2 },
      journal,
      {
        id: 'c1',
        spec: tritonSpec(),
        confirmTimeoutMs: 5000,
      },
    );
    // In effect: the server's own config, every other field untouched.
    expect(triton.config).toEqual({
      ...resnet,
      max_batch_size: 16,
      dynamic_batching: { max_queue_delay_microseconds: 2000 },
    });
    const load = triton.requests.find((r) => r.method === 'POST');
    expect(load?.path).toBe('/v2/repository/models/resnet/load');
    expect(typeof load?.body.parameters.config).toBe('string');
    // confirm waited through the reload (the model answered not-ready at least once) before returning.
    const afterLoad = triton.requests.slice(triton.requests.indexOf(load!));
    expect(afterLoad.some((r) => r.path === '/v2/models/resnet/ready' && r.status === 400)).toBe(true);
    expect(await configurator.read(['maxBatchSize', 'maxQueueDelayMs'])).toEqual({
      maxBatchSize: 16,
      maxQueueDelayMs: 2,
    });

    await applied.restore();
    expect(triton.config.max_batch_size).toBe(4);
    expect(triton.config.dynamic_batching).toEqual({ max_queue_delay_microseconds: 0 });
    expect(journal.events.map((e) => e.type)).toEqual([
      'configuration-applying',
      'configuration-applied',
      'configuration-restoring',
      'configuration-restored',
    ]);
  });

  it("a config Triton refuses is FD_INJECT_FAILED with Triton's words, and the original stays", async () => {
    triton.maxBatchLimit = 8;
    const journal = new FileJournal(join(dir, 'events.ndjson'));
    await expect(
      applyConfiguration(tritonConfigurator(tritonSpec()), { maxBatchSize: 32 }, journal, {
        id: 'c1',
        spec: tritonSpec(),
        confirmTimeoutMs: 2000,
      }),
    ).rejects.toMatchObject({
      code: 'FD_INJECT_FAILED',
      message: expect.stringContaining('max_batch_size 32 exceeds the backend'),
    });
    expect(triton.config).toEqual(resnet);
    expect(journal.events.map((e) => e.type)).toContain('configuration-restored');
  });

  it('refuses a Triton that is not on loopback before any request', () => {
    expect(() => tritonConfigurator({ kind: 'triton', url: 'http://10.1.2.3:8000', model: 'm' })).toThrow(
      /not a loopback address/,
    );
  });
});

describe('command configurator', () => {
  const script = (out: string, exit = 0) => [
    process.execPath,
    '-e',
    `require('node:fs').writeFileSync(${JSON.stringify(out)}, Object.entries(process.env).filter(([k]) => k.startsWith('FIREDRILL_SETTING_')).map(([k, v]) => k + '=' + v).sort().join('\\n')); process.stderr.write('bad batch size'); process.exit(${exit})`,
  ];

  it('runs the command with the settings in the environment, waits for readiness, restores with the original', async () => {
    const out = join(dir, 'env.txt');
    const spec = {
      kind: 'command' as const,
      command: script(out),
      original: { maxBatchSize: 1, maxQueueDelayMs: 0 },
      readiness: { url: `${triton.url}/v2/health/ready`, timeoutMs: 3000 },
      timeoutMs: 10_000,
    };
    const configurator = commandConfigurator(spec);
    const journal = new FileJournal(join(dir, 'events.ndjson'));
    const applied = await applyConfiguration(configurator, { maxBatchSize: 8 }, journal, {
      id: 'c1',
      spec,
      confirmTimeoutMs: 3000,
    });
    expect(readFileSync(out, 'utf8')).toBe(
      'FIREDRILL_SETTING_MAX_BATCH_SIZE=8\nFIREDRILL_SETTING_MAX_QUEUE_DELAY_MS=0',
    );
    expect(applied.original).toEqual({ maxBatchSize: 1 });
    writeFileSync(out, '');
    await applied.restore();
    expect(readFileSync(out, 'utf8')).toBe(
      'FIREDRILL_SETTING_MAX_BATCH_SIZE=1\nFIREDRILL_SETTING_MAX_QUEUE_DELAY_MS=0',
    );
  });

  it('a command that fails is FD_INJECT_FAILED with its exit status and stderr', async () => {
    const configurator = commandConfigurator({
      kind: 'command',
      command: script(join(dir, 'x.txt'), 3),
      original: { maxBatchSize: 1 },
      readiness: { url: `${triton.url}/v2/health/ready`, timeoutMs: 1000 },
      timeoutMs: 10_000,
    });
    await expect(configurator.apply({ maxBatchSize: 8 })).rejects.toMatchObject({
      code: 'FD_INJECT_FAILED',
      message: expect.stringMatching(/exited with 3 \(stderr: bad batch size\)/),
    });
  });
});

describe('a configuration never outlives a killed firedrill', () => {
  it('SIGKILL after apply, then firedrill recover puts the original back (once)', async () => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, 'configure-kill.child.ts')],
      { env: { ...process.env, FD_TRITON: triton.url, FD_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const deadline = Date.now() + 20_000;
    while (!out.includes('applied')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`child: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    expect(triton.config.max_batch_size).toBe(16);

    // firedrill recover's own function, in this process (a CLI start costs seconds on a shared CI machine).
    const recovered = await recoverRun(dir, silentLogger);
    expect(recovered.configurations).toEqual([
      expect.objectContaining({
        id: 'config-1',
        outcome: 'recovered',
        original: { maxBatchSize: 4, maxQueueDelayMs: 0 },
      }),
    ]);
    expect(recovered.runJson).toBe('kept'); // not a run's folder: no run.json invented
    expect(triton.config).toEqual({ ...resnet, dynamic_batching: { max_queue_delay_microseconds: 0 } });
    const events = parseJournal(readFileSync(join(dir, 'events.ndjson'), 'utf8'));
    expect(events.map((e) => e.type)).toEqual([
      'configuration-applying',
      'configuration-applied',
      'configuration-recovered',
    ]);

    // A second recover (in process: a CLI start costs seconds) finds nothing left to restore.
    const again = await recoverRun(dir, silentLogger, {
      configuratorFor: () => {
        throw new Error('nothing should be restored twice');
      },
    });
    expect(again.configurations).toEqual([]);
  }, 60_000);
});
