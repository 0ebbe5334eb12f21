import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { proxyApi } from '../../chaos/feature-store/client.ts';
import { modelServerProbe, sumCounter } from '../../chaos/index.ts';
import { type LocalTargets, localTargetsOf } from '../../chaos/local/index.ts';
import { supervisorApi } from '../../chaos/local/supervisor.ts';
import { adminApi } from '../../chaos/model-server/admin-client.ts';
import type { InjectContext, RecoveryRecord } from '../../chaos/types.ts';
import { type EmbeddedStack, type StackEndpoints, startEmbeddedStack } from '../../src/stack/index.ts';

export const quietLog = { info: () => {}, warn: () => {}, debug: () => {}, error: () => {} } as never;

/** One real V2 inference request body (a known entity, so the feature store is read). */
export const probeBody = JSON.stringify({
  inputs: [
    { name: 'features', datatype: 'FP32', shape: [1, 4], data: [39.1, 18.7, 181, 3750] },
    { name: 'entity_id', datatype: 'INT64', shape: [1], data: [1] },
  ],
});

export async function startStack(): Promise<EmbeddedStack> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-chaos-'));
  return startEmbeddedStack({ dir, log: quietLog });
}

export function targetsFor(stack: StackEndpoints): LocalTargets {
  return localTargetsOf(stack, modelServerProbe(stack.target, 'penguins', probeBody));
}

export function context(records: RecoveryRecord[], ttlMs = 30_000): InjectContext {
  return {
    runId: 'it',
    ttlMs,
    recordRecovery: (r) => records.push(r),
    signal: new AbortController().signal,
    now: Date.now,
  };
}

export async function infer(stack: StackEndpoints): Promise<number> {
  try {
    const response = await fetch(`${stack.target}/v2/models/penguins/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: probeBody,
      signal: AbortSignal.timeout(5000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export async function metric(stack: StackEndpoints, name: string, labels: Record<string, string> = {}) {
  const response = await fetch(`${stack.target}/metrics`, { signal: AbortSignal.timeout(3000) });
  return sumCounter(await response.text(), name, labels);
}

export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    await delay(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** The stack is as it was before any fault: serving, no admin fault, proxy passing, nothing held. */
export async function assertClean(stack: StackEndpoints): Promise<string[]> {
  const problems: string[] = [];
  const status = await infer(stack);
  if (status !== 200) problems.push(`inference answered ${status}`);
  const state = await adminApi.state({ url: stack.admin, token: stack.adminToken });
  for (const [name, value] of Object.entries(state))
    if (value !== null) problems.push(`admin fault ${name} active`);
  const { canary } = await adminApi.canary({ url: stack.admin, token: stack.adminToken });
  if (canary !== null) problems.push(`canary v2 at ${canary.weight}% still running`);
  const proxy = await proxyApi.status(stack.featureStoreProxy!.control);
  if (proxy.mode !== 'pass') problems.push(`proxy mode ${proxy.mode}`);
  for (const [name, control] of Object.entries(stack.supervisors!)) {
    const s = await supervisorApi.status(control);
    if (!s.ready || s.heldUntil !== null) problems.push(`${name}: ${JSON.stringify(s)}`);
  }
  return problems;
}
