import { request } from 'undici';
import { sleep } from '../core/clock.ts';
import { FiredrillError, formatError } from '../core/errors.ts';
import { assertTargetAllowed } from '../core/loopback.ts';
import { assertKnownSettings, type ConfiguratorSpec } from './spec.ts';
import type { Configurator, Settings } from './types.ts';

type TritonSpec = Extract<ConfiguratorSpec, { kind: 'triton' }>;

/** A Triton model configuration as `GET /v2/models/{model}/config` returns it (JSON of the ModelConfig protobuf). */
export type TritonModelConfig = Record<string, unknown> & {
  max_batch_size?: number;
  dynamic_batching?: Record<string, unknown> & { max_queue_delay_microseconds?: number | string };
  instance_group?: Array<Record<string, unknown> & { count?: number }>;
};

/**
 * The settings a Triton configurator knows, and the model-config field each one is:
 * `maxBatchSize` → `max_batch_size`; `maxQueueDelayMs` → `dynamic_batching.max_queue_delay_microseconds`
 * (× 1000; setting it turns the dynamic batcher on); `instanceCount` → `instance_group[*].count`.
 */
export const tritonSettings = ['maxBatchSize', 'maxQueueDelayMs', 'instanceCount'] as const;

/** The settings a model config holds (only those named). Pure. */
export function tritonSettingsOf(config: TritonModelConfig, names: readonly string[]): Settings {
  assertKnownSettings('configurator triton', names, tritonSettings);
  const out: Record<string, number> = {};
  for (const name of names) {
    if (name === 'maxBatchSize') out[name] = Number(config.max_batch_size ?? 0);
    if (name === 'maxQueueDelayMs') {
      out[name] = Number(config.dynamic_batching?.max_queue_delay_microseconds ?? 0) / 1000;
    }
    if (name === 'instanceCount') out[name] = Number(config.instance_group?.[0]?.count ?? 1);
  }
  return out;
}

/**
 * The model config with `settings` written in, everything else kept (the load API's `config` override
 * replaces the whole configuration, so it is sent whole). Values must be non-negative integers (microseconds
 * for the queue delay). Pure.
 */
export function withTritonSettings(config: TritonModelConfig, settings: Settings): TritonModelConfig {
  assertKnownSettings('configurator triton', Object.keys(settings), tritonSettings);
  const next: TritonModelConfig = structuredClone(config);
  for (const [name, value] of Object.entries(settings)) {
    const n = typeof value === 'number' ? value : Number.NaN;
    const integer = name === 'maxQueueDelayMs' ? Math.round(n * 1000) : n;
    if (!Number.isInteger(integer) || integer < 0 || (name === 'instanceCount' && integer < 1)) {
      throw new FiredrillError('FD_USAGE', `configurator triton: ${name} = ${JSON.stringify(value)}`, {
        hint: `${name} must be a ${name === 'maxQueueDelayMs' ? 'non-negative number of milliseconds (µs precision)' : name === 'instanceCount' ? 'positive integer' : 'non-negative integer'}`,
      });
    }
    if (name === 'maxBatchSize') next.max_batch_size = integer;
    if (name === 'maxQueueDelayMs') {
      next.dynamic_batching = { ...(next.dynamic_batching ?? {}), max_queue_delay_microseconds: integer };
    }
    if (name === 'instanceCount') {
      const groups = next.instance_group?.length ? next.instance_group : [{ kind: 'KIND_AUTO' }];
      next.instance_group = groups.map((g) => ({ ...g, count: integer }));
    }
  }
  return next;
}

/** Whether every setting holds in `config` (the queue delay compared in whole microseconds). Pure. */
export function tritonConfigHolds(config: TritonModelConfig, settings: Settings): boolean {
  const now = tritonSettingsOf(config, Object.keys(settings));
  return Object.entries(settings).every(([name, value]) =>
    name === 'maxQueueDelayMs'
      ? Math.round(Number(now[name]) * 1000) === Math.round(Number(value) * 1000)
      : now[name] === value,
  );
}

/**
 * Triton through its model repository extension (server started with `--model-control-mode=explicit`):
 * `apply` reads the model's config (`GET /v2/models/{model}/config`), writes the settings in and reloads
 * it with `POST /v2/repository/models/{model}/load` and body `{"parameters":{"config":"<config JSON>"}}`;
 * `confirm` polls `GET /v2/models/{model}/ready` (200) and the config until the settings are in it.
 */
export function tritonConfigurator(
  spec: TritonSpec,
  options: { allowHosts?: readonly string[]; requestTimeoutMs?: number } = {},
): Configurator {
  const base = assertTargetAllowed(spec.url, 'configurator triton url', options.allowHosts)
    .toString()
    .replace(/\/$/, '');
  const model = encodeURIComponent(spec.model);
  const target = `triton ${base} model ${spec.model}`;
  const timeout = options.requestTimeoutMs ?? 10_000;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await request(`${base}${path}`, {
      method,
      signal: AbortSignal.timeout(timeout),
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.statusCode, text: await response.body.text() };
  };
  const failure = (code: 'FD_INJECT_FAILED' | 'FD_BACKEND_UNREACHABLE', what: string, hint: string) =>
    new FiredrillError(code, `configurator ${target}: ${what}`, { hint });
  const readConfig = async (): Promise<TritonModelConfig> => {
    let answer: { status: number; text: string };
    try {
      answer = await call('GET', `/v2/models/${model}/config`);
    } catch (error) {
      throw failure(
        'FD_BACKEND_UNREACHABLE',
        `GET /v2/models/${model}/config: ${formatError(error)}`,
        'is Triton running and is its HTTP port the one given?',
      );
    }
    if (answer.status !== 200) {
      throw failure(
        'FD_INJECT_FAILED',
        `GET /v2/models/${model}/config → HTTP ${answer.status} ${errorText(answer.text)}`,
        'check the model name (GET /v2/repository/index lists them)',
      );
    }
    return JSON.parse(answer.text) as TritonModelConfig;
  };
  const load = async (settings: Settings) => {
    const config = withTritonSettings(await readConfig(), settings);
    const answer = await call('POST', `/v2/repository/models/${model}/load`, {
      parameters: { config: JSON.stringify(config) },
    });
    if (answer.status !== 200) {
      throw failure(
        'FD_INJECT_FAILED',
        `POST /v2/repository/models/${model}/load → HTTP ${answer.status} ${errorText(answer.text)}`,
        'Triton must run with --model-control-mode=explicit for the load API, and the config must suit the model',
      );
    }
  };
  const confirm = async (settings: Settings, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      try {
        const ready = await call('GET', `/v2/models/${model}/ready`);
        if (ready.status !== 200) last = `GET /v2/models/${model}/ready → HTTP ${ready.status}`;
        else {
          const config = await readConfig();
          if (tritonConfigHolds(config, settings)) return;
          last = `ready, but its config has ${JSON.stringify(tritonSettingsOf(config, Object.keys(settings)))}`;
        }
      } catch (error) {
        last = formatError(error);
      }
      if (Date.now() >= deadline) break;
      await sleep(100);
    }
    throw failure(
      'FD_INJECT_FAILED',
      `${JSON.stringify(settings)} not in effect within ${timeoutMs} ms (last: ${last})`,
      "look at Triton's log for the model load",
    );
  };
  return {
    kind: 'triton',
    target,
    async read(names) {
      return tritonSettingsOf(await readConfig(), names);
    },
    apply: load,
    confirm,
    async restore(original) {
      try {
        await load(original);
        await confirm(original, 60_000);
      } catch (error) {
        throw new FiredrillError('FD_REVERT_FAILED', error instanceof Error ? error.message : String(error), {
          hint: `put the model's original config back by hand: ${JSON.stringify(original)}`,
        });
      }
    },
  };
}

/** Triton's error body is `{"error": "..."}`. */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200);
}
