import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkRuleFiles,
  readinessProbe,
  resolveRuleFiles,
  scrapeTargetOf,
  waitTargetReady,
} from './target.ts';

describe('readinessProbe', () => {
  it.each([
    ['kserve-v2', 'http://127.0.0.1:8000/v2/health/ready'],
    ['kserve-v1', 'http://127.0.0.1:8000/v1/models/my%20model'],
    ['mlflow', 'http://127.0.0.1:8000/ping'],
    ['openai-chat', 'http://127.0.0.1:8000/v1/models'],
    ['openai-completions', 'http://127.0.0.1:8000/v1/models'],
    ['raw', 'http://127.0.0.1:8000/'],
  ] as const)('asks a %s server at %s', (protocol, url) => {
    const probe = readinessProbe('http://127.0.0.1:8000/', {
      protocol,
      model: 'my model',
      readiness: undefined,
    });
    expect(probe.url).toBe(url);
    expect(probe.timeoutMs).toBe(30_000);
  });

  it('wants "ready": true from a KServe V1 model, not just a 200', () => {
    const probe = readinessProbe('http://h:1', { protocol: 'kserve-v1', model: 'm', readiness: undefined });
    expect(probe.isReady(200, '{"name":"m","ready":true}')).toBe(true);
    expect(probe.isReady(200, '{"name":"m","ready":false}')).toBe(false);
    expect(probe.isReady(503, '{"ready":true}')).toBe(false);
  });

  it('takes any answer below 500 from a raw target, and only 2xx from a path the user named', () => {
    const raw = readinessProbe('http://h:1', { protocol: 'raw', model: 'm', readiness: undefined });
    expect(raw.isReady(404, '')).toBe(true);
    expect(raw.isReady(502, '')).toBe(false);
    const named = readinessProbe('http://h:1', {
      protocol: 'raw',
      model: 'm',
      readiness: { path: '/healthz', timeout: 5000 },
    });
    expect(named.url).toBe('http://h:1/healthz');
    expect(named.timeoutMs).toBe(5000);
    expect(named.isReady(404, '')).toBe(false);
    expect(named.isReady(204, '')).toBe(true);
  });
});

describe('waitTargetReady', () => {
  let server: Server;
  let base: string;
  let readyAfter = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v2/health/ready' && Date.now() >= readyAfter) res.writeHead(200).end('{}');
      else res.writeHead(503).end('loading weights');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('polls until the server turns ready', async () => {
    readyAfter = Date.now() + 600;
    const probe = readinessProbe(base, { protocol: 'kserve-v2', model: 'm', readiness: { timeout: 5000 } });
    await waitTargetReady(probe);
    expect(Date.now()).toBeGreaterThanOrEqual(readyAfter);
  });

  it('gives up at its timeout with exit 3, naming the probe and the last answer', async () => {
    readyAfter = Number.POSITIVE_INFINITY;
    const probe = readinessProbe(base, { protocol: 'kserve-v2', model: 'm', readiness: { timeout: 500 } });
    const error = await waitTargetReady(probe).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FD_BACKEND_UNREACHABLE', exitCode: 3 });
    expect((error as Error).message).toContain(`GET ${base}/v2/health/ready`);
    expect((error as Error).message).toContain('HTTP 503: loading weights');
  });

  it('names the connection error when nothing listens, also on a port fetch() refuses', async () => {
    const probe = readinessProbe('http://127.0.0.1:1', {
      protocol: 'mlflow',
      model: 'm',
      readiness: { timeout: 200 },
    });
    const error = await waitTargetReady(probe).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/GET http:\/\/127\.0\.0\.1:1\/ping .*ECONNREFUSED/);
  });
});

describe('scrapeTargetOf', () => {
  it('scrapes /metrics on the target port as job model-server by default', () => {
    expect(scrapeTargetOf('http://127.0.0.1:9300', undefined)).toEqual({
      hostPort: '127.0.0.1:9300',
      path: '/metrics',
      job: 'model-server',
    });
  });
  it('takes the port, path and job the scenario gives (Triton serves metrics on 8002)', () => {
    expect(scrapeTargetOf('http://localhost:8000/', { path: '/m', port: 8002, job: 'triton' })).toEqual({
      hostPort: 'localhost:8002',
      path: '/m',
      job: 'triton',
    });
  });
});

describe('rule files', () => {
  const good = 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n';
  it('takes a file, or every *.yml and *.yaml in a folder in name order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-rules-'));
    await writeFile(join(dir, 'b.yaml'), good);
    await writeFile(join(dir, 'a.yml'), good);
    await writeFile(join(dir, 'notes.txt'), 'not a rule file');
    expect(await resolveRuleFiles(dir, '--rules')).toEqual([join(dir, 'a.yml'), join(dir, 'b.yaml')]);
    expect(await resolveRuleFiles(join(dir, 'a.yml'), '--rules')).toEqual([join(dir, 'a.yml')]);
  });
  it('refuses a missing path and an empty folder with exit 2, naming where the path came from', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-rules-'));
    await mkdir(join(dir, 'empty'));
    await expect(resolveRuleFiles(join(dir, 'nope'), 's.ts: rules')).rejects.toMatchObject({
      code: 'FD_USAGE',
      message: expect.stringContaining(`s.ts: rules: no rule file or folder at ${join(dir, 'nope')}`),
    });
    await expect(resolveRuleFiles(join(dir, 'empty'), '--rules')).rejects.toThrow(/holds no rule file/);
  });
  it("passes a good rule file through promtool and refuses a broken one with promtool's words", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-rules-'));
    await writeFile(join(dir, 'good.yml'), good);
    await writeFile(join(dir, 'bad.yml'), good.replace('up == 0', 'rate(up[5m)'));
    await checkRuleFiles([join(dir, 'good.yml')]);
    const error = await checkRuleFiles([join(dir, 'good.yml'), join(dir, 'bad.yml')]).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'FD_USAGE' });
    expect((error as Error).message).toContain('promtool check rules refused');
    expect((error as Error).message).toMatch(/bad\.yml/);
    expect((error as Error).message).toMatch(/parse error|unclosed|unexpected/i);
  });
});
