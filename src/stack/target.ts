import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { request } from 'undici';
import { sleep } from '../core/clock.ts';
import { FiredrillError, formatError } from '../core/errors.ts';
import type { Scenario } from '../scenario/index.ts';
import { requireBinary } from './binaries.ts';

/**
 * The system under test as firedrill reaches it: its readiness probe, where its metrics are scraped,
 * and (for a server the user named) the alert rules that watch it.
 */

/** A readiness probe: GET `url`, ready when `isReady(status, body)` holds. Pure data + a predicate. */
export interface ReadinessProbe {
  url: string;
  /** For messages: `GET http://…/v2/health/ready → 200`. */
  describe: string;
  isReady(status: number, body: string): boolean;
  timeoutMs: number;
}

type TargetSpec = Pick<Scenario['target'], 'protocol' | 'model' | 'readiness'>;

/**
 * The readiness probe of a target at `baseUrl`, by protocol (see reference/protocols.md): KServe V2
 * `/v2/health/ready` → 200; KServe V1 `/v1/models/<model>` → 200 with `"ready": true`; MLflow `/ping` →
 * 200; OpenAI `/v1/models` → 200. A raw target has no standard probe: any HTTP answer below 500 from its
 * base URL counts, unless `readiness.path` names one (then 2xx). `readiness.path` overrides every default.
 */
export function readinessProbe(baseUrl: string, target: TargetSpec): ReadinessProbe {
  const base = baseUrl.replace(/\/$/, '');
  const timeoutMs = target.readiness?.timeout ?? 30_000;
  const ok = (status: number) => status >= 200 && status < 300;
  const probe = (path: string, isReady: ReadinessProbe['isReady'], expect: string): ReadinessProbe => ({
    url: `${base}${path}`,
    describe: `GET ${base}${path} → ${expect}`,
    isReady,
    timeoutMs,
  });
  if (target.readiness?.path !== undefined) return probe(target.readiness.path, ok, '2xx');
  switch (target.protocol) {
    case 'kserve-v2':
      return probe('/v2/health/ready', ok, '2xx');
    case 'kserve-v1':
      return probe(
        `/v1/models/${encodeURIComponent(target.model)}`,
        (status, body) => ok(status) && /"ready"\s*:\s*true/.test(body),
        '2xx with "ready": true',
      );
    case 'mlflow':
      return probe('/ping', ok, '2xx');
    case 'openai-chat':
    case 'openai-completions':
      return probe('/v1/models', ok, '2xx');
    case 'raw':
      return probe('/', (status) => status > 0 && status < 500, 'any HTTP answer below 500');
    default: {
      const unknown: never = target.protocol;
      throw new Error(`no readiness probe for protocol ${String(unknown)}`);
    }
  }
}

/**
 * Polls the probe every 250 ms until it passes or its timeout ends. Not ready in time is
 * FD_BACKEND_UNREACHABLE (exit 3) naming the target, the probe and the last answer: never a hang, never a
 * silent switch to another server.
 */
export async function waitTargetReady(probe: ReadinessProbe, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + probe.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      // undici's request, not fetch: fetch refuses the ports the Fetch standard blocks (1, 6000, …),
      // which a model server may well use.
      const response = await request(probe.url, { signal: AbortSignal.timeout(2000) });
      const body = await response.body.text();
      if (probe.isReady(response.statusCode, body)) return;
      last = `HTTP ${response.statusCode}${body ? `: ${body.slice(0, 120).replace(/\s+/g, ' ')}` : ''}`;
    } catch (error) {
      last = describeRequestError(error);
    }
    if (Date.now() >= deadline) break;
    await sleep(250, signal);
  }
  throw new FiredrillError(
    'FD_BACKEND_UNREACHABLE',
    `target not ready: ${probe.describe} did not pass within ${probe.timeoutMs / 1000}s (last: ${last})`,
    {
      hint: 'start the model server first, check target.url / --target, or set target.readiness ({ path, timeout }) in the scenario',
    },
  );
}

function describeRequestError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = formatError(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Where Prometheus scrapes a named target: `http://host:port/path` and the scrape job name. */
export interface ScrapeTarget {
  /** host:port as Prometheus' static_configs wants it. */
  hostPort: string;
  path: string;
  job: string;
}

/** The scrape target of a server at `baseUrl`: `target.metrics` or `/metrics` on the same port. */
export function scrapeTargetOf(baseUrl: string, metrics: Scenario['target']['metrics']): ScrapeTarget {
  const url = new URL(baseUrl);
  const port = metrics?.port ?? (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);
  return {
    hostPort: `${url.hostname}:${port}`,
    path: metrics?.path ?? '/metrics',
    job: metrics?.job ?? 'model-server',
  };
}

/**
 * The rule files a user gave (`--rules` or the scenario's `rules:`): a file, or every *.yml/*.yaml in a
 * folder. A missing path or an empty folder is FD_USAGE naming it.
 */
export async function resolveRuleFiles(path: string, origin: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new FiredrillError('FD_USAGE', `${origin}: no rule file or folder at ${path}`, {
      hint: 'give a Prometheus rule file or a folder of them (*.yml, *.yaml)',
    });
  }
  if (!info.isDirectory()) return [path];
  const files = (await readdir(path))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) {
    throw new FiredrillError('FD_USAGE', `${origin}: the folder ${path} holds no rule file (*.yml, *.yaml)`, {
      hint: 'put the alert rules for your model server there, in Prometheus rule-file format',
    });
  }
  return files;
}

/**
 * `promtool check rules` on every file before Prometheus starts: a rule file Prometheus would refuse is
 * FD_USAGE with promtool's own words, instead of a stack that fails to start.
 */
export async function checkRuleFiles(files: readonly string[]): Promise<void> {
  const promtool = requireBinary('promtool');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(promtool, ['check', 'rules', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => resolve({ code: -1, output: formatError(error) }));
    child.on('close', (exitCode) => resolve({ code: exitCode, output }));
  });
  if (code === 0) return;
  const shown = files.map((file) => relative(process.cwd(), file) || file).join(', ');
  throw new FiredrillError('FD_USAGE', `promtool check rules refused ${shown}:\n${output.trimEnd()}`, {
    hint: 'fix the rule file (promtool check rules FILE shows the same)',
  });
}
