import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import { createAlertmanagerClient } from './alertmanager-client.ts';
import { BackendApiError } from './http.ts';
import { createPrometheusClient } from './prometheus-client.ts';

const TOKEN = 's3cret-token-value';

let server: Server;
let base: string;
const seen: Array<{ path: string; authorization: string | undefined; body: string }> = [];

function json(res: import('node:http').ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    seen.push({ path, authorization: req.headers.authorization, body: await readBody(req) });
    // Prefixes stand for a Prometheus served under a path: an HTML login page, or a slow proxy.
    if (path.startsWith('/html/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html>login</html>');
    }
    if (path.startsWith('/slow/'))
      return setTimeout(() => json(res, 200, { status: 'success', data: {} }), 1500);
    switch (path) {
      case '/api/v1/query_range': {
        const form = new URLSearchParams(seen.at(-1)?.body ?? '');
        if (form.get('query') === 'vector(1)')
          return json(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
        // Echo the window back as one series, so the test sees what was sent and the ms conversion.
        const start = Number(form.get('start'));
        const step = Number(form.get('step'));
        return json(res, 200, {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: { job: 'model-server' },
                values: [
                  [start, '1'],
                  [start + step, '1'],
                ],
              },
            ],
          },
        });
      }
      case '/api/v1/query':
        return json(res, 400, {
          status: 'error',
          errorType: 'bad_data',
          error: '1:8: parse error: unexpected end of input',
        });
      case '/api/v1/alerts':
        return json(res, 200, {
          status: 'success',
          data: {
            alerts: [
              {
                labels: { alertname: 'A' },
                annotations: {},
                state: 'firing',
                activeAt: '2024-01-01T00:00:00Z',
                value: '1e+00',
              },
            ],
          },
        });
      case '/api/v1/rules':
        return json(res, 200, {
          status: 'success',
          data: {
            groups: [
              {
                name: 'g',
                file: 'f',
                interval: 1,
                rules: [
                  { type: 'alerting', name: 'B', query: 'x', duration: 0 },
                  { type: 'recording', name: 'r', query: 'y' },
                  { type: 'alerting', name: 'A', query: 'z', duration: 2 },
                  { type: 'alerting', name: 'A', query: 'w', duration: 3 },
                ],
              },
            ],
          },
        });
      case '/api/v1/status/config':
        return json(res, 200, {
          status: 'success',
          data: {
            yaml: 'global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: m\n  scrape_interval: 1s\n',
          },
        });
      case '/api/v2/status':
        return json(res, 200, {
          config: { original: 'route:\n  group_wait: 0s\n  group_interval: 1s\n' },
          versionInfo: { version: '0.25.0' },
        });
      case '/-/ready':
        res.writeHead(503);
        return res.end('not ready');
      default:
        return json(res, 404, { status: 'error', errorType: 'not_found', error: 'no such path' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('createPrometheusClient', () => {
  it('reads alerts, rules and config, sending the bearer token', async () => {
    const client = createPrometheusClient({ url: `${base}/`, bearerToken: TOKEN });
    try {
      expect(await client.alerts()).toHaveLength(1);
      expect(await client.alertRuleNames()).toEqual(['A', 'B']);
      expect((await client.config()).scrape_configs?.[0]?.scrape_interval).toBe('1s');
      expect(seen.at(-1)).toMatchObject({ path: '/api/v1/status/config', authorization: `Bearer ${TOKEN}` });
      expect(await client.ready()).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('surfaces errorType and error from a status:"error" envelope, without the token', async () => {
    const client = createPrometheusClient({ url: base, bearerToken: TOKEN });
    try {
      const error = await client.query('rate(x[', 1_700_000_000_123).catch((e: unknown) => e);
      expect(isFiredrillError(error)).toBe(true);
      expect(error).toMatchObject({
        code: 'FD_BACKEND_UNREACHABLE',
        message: `Prometheus at ${base}/api/v1/query answered HTTP 400 bad_data: 1:8: parse error: unexpected end of input`,
        hint: expect.stringMatching(/malformed/),
      });
      const cause = (error as Error).cause;
      expect(cause).toBeInstanceOf(BackendApiError);
      expect(cause).toMatchObject({ errorType: 'bad_data', httpStatus: 400 });
      expect(
        JSON.stringify({ message: (error as Error).message, hint: (error as { hint?: string }).hint }),
      ).not.toContain(TOKEN);
      // The query went as a form POST with the time in seconds.
      expect(seen.at(-1)?.body).toBe('query=rate%28x%5B&time=1700000000.123');
    } finally {
      await client.close();
    }
  });

  it('runs a range query as a form POST in seconds and answers points in epoch ms', async () => {
    const client = createPrometheusClient({ url: base });
    try {
      const series = await client.queryRange('up == 1', 1_700_000_000_500, 1_700_000_010_000, 1000);
      expect(seen.at(-1)).toMatchObject({
        path: '/api/v1/query_range',
        body: 'query=up+%3D%3D+1&start=1700000000.500&end=1700000010.000&step=1.000',
      });
      expect(series).toEqual([
        {
          metric: { job: 'model-server' },
          points: [
            [1_700_000_000_500, '1'],
            [1_700_000_001_500, '1'],
          ],
        },
      ]);
      // Anything but a matrix is refused, naming the endpoint.
      await expect(client.queryRange('vector(1)', 0, 1000, 1000)).rejects.toMatchObject({
        code: 'FD_BACKEND_UNREACHABLE',
        message: `Prometheus at ${base}/api/v1/query_range answered a vector result, not a matrix`,
      });
    } finally {
      await client.close();
    }
  });

  it('explains a body that is not JSON', async () => {
    const client = createPrometheusClient({ url: `${base}/html` });
    try {
      await expect(client.rules()).rejects.toMatchObject({
        code: 'FD_BACKEND_UNREACHABLE',
        message: `Prometheus at ${base}/html/api/v1/rules answered HTTP 200 with a body that is not JSON: <html>login</html>`,
      });
    } finally {
      await client.close();
    }
  });

  it('turns a closed port into FD_BACKEND_UNREACHABLE naming the URL, and ready() into false', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const client = createPrometheusClient({ url, bearerToken: TOKEN });
    try {
      const error = await client.alerts().catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'FD_BACKEND_UNREACHABLE',
        message: expect.stringMatching(
          new RegExp(`^Prometheus at ${url}/api/v1/alerts is unreachable: .*ECONNREFUSED`),
        ),
        hint: expect.stringContaining(url),
      });
      expect((error as Error).message).not.toContain(TOKEN);
      expect(await client.ready()).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('gives up after the per-call timeout', async () => {
    const client = createPrometheusClient({ url: `${base}/slow`, timeoutMs: 200 });
    const started = Date.now();
    try {
      await expect(client.alerts()).rejects.toMatchObject({
        code: 'FD_BACKEND_UNREACHABLE',
        message: expect.stringMatching(/no answer within 200ms/),
      });
      expect(Date.now() - started).toBeLessThan(1200);
    } finally {
      await client.close();
    }
  });
});

describe('createAlertmanagerClient', () => {
  it('reads route timings from /api/v2/status', async () => {
    const client = createAlertmanagerClient({ url: base });
    try {
      expect(await client.status()).toMatchObject({
        version: '0.25.0',
        groupWaitMs: 0,
        groupIntervalMs: 1000,
        minGroupWaitMs: 0,
      });
      expect(await client.ready()).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('fails with FD_BACKEND_UNREACHABLE on a closed port', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const client = createAlertmanagerClient({ url });
    try {
      await expect(client.status()).rejects.toMatchObject({
        code: 'FD_BACKEND_UNREACHABLE',
        message: expect.stringContaining(`Alertmanager at ${url}/api/v2/status`),
      });
    } finally {
      await client.close();
    }
  });
});
