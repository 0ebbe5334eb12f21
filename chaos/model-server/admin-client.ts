import { FiredrillError } from '../../src/core/errors.ts';

/**
 * Client for the fixture model server's fault admin API (bearer-token authenticated):
 *   GET    {admin}/faults                 → current fault state
 *   PUT    {admin}/faults/{latency|errors|http|gpu} → set a fault with a server-enforced TTL (dead-man switch)
 *   DELETE {admin}/faults/{latency|errors|http|gpu} → clear it (idempotent)
 *   GET/PUT/PATCH/DELETE {admin}/canary  → the v1/v2 split (PUT starts a canary with a TTL, PATCH sets its
 *                                          weight, DELETE restores v1 at 100 %, idempotent)
 *   GET/PUT {admin}/batcher              → the dynamic batcher's configuration (PUT: partial, applies at once)
 */
export interface AdminEndpoint {
  /** Base URL, e.g. http://127.0.0.1:8080/admin */
  url: string;
  token: string;
}

export type AdminFaultName = 'latency' | 'errors' | 'http' | 'gpu';

export interface AdminFaultState {
  latency: { delayMs: number; expiresAt: string } | null;
  errors: { ratio: number; status: number; expiresAt: string } | null;
  /** Absent on an older fixture. */
  http?: {
    action: 'abort' | 'delay';
    status: number;
    delayMs: number | null;
    share: number;
    pathPrefix: string | null;
    expiresAt: string;
  } | null;
  /** Absent or null without a GPU simulator. */
  gpu?: { mode: string; depth: number; expiresAt: string } | null;
}

/** `GET {admin}/canary`: null while v1 answers 100 %. */
export interface AdminCanaryState {
  canary: {
    weight: number;
    errorRatio: number;
    status: number;
    delayMs: number;
    accuracyDrop: number;
    accuracy: { v1: number; v2: number };
    expiresAt: string;
  } | null;
}

async function call(admin: AdminEndpoint, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = `${admin.url.replace(/\/$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(3000),
    });
  } catch (error) {
    throw new FiredrillError('FD_INJECT_FAILED', `model server admin API unreachable: ${method} ${url}`, {
      hint: 'is the model server running? check its log in the run folder',
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new FiredrillError(
      'FD_INJECT_FAILED',
      `model server admin API: ${method} ${url} answered ${response.status} ${text.slice(0, 200)}`,
      {
        hint:
          response.status === 401
            ? 'the admin token is wrong; pass --admin-token or FIREDRILL_ADMIN_TOKEN'
            : 'see the model server log',
      },
    );
  }
  return text ? (JSON.parse(text) as unknown) : null;
}

export const adminApi = {
  state: (admin: AdminEndpoint) => call(admin, 'GET', '/faults') as Promise<AdminFaultState>,
  set: (admin: AdminEndpoint, fault: AdminFaultName, body: Record<string, unknown>) =>
    call(admin, 'PUT', `/faults/${fault}`, body) as Promise<AdminFaultState>,
  clear: (admin: AdminEndpoint, fault: AdminFaultName) => call(admin, 'DELETE', `/faults/${fault}`),
  canary: (admin: AdminEndpoint) => call(admin, 'GET', '/canary') as Promise<AdminCanaryState>,
  setCanary: (admin: AdminEndpoint, body: Record<string, unknown>) =>
    call(admin, 'PUT', '/canary', body) as Promise<AdminCanaryState>,
  clearCanary: (admin: AdminEndpoint) => call(admin, 'DELETE', '/canary') as Promise<AdminCanaryState>,
  batcher: (admin: AdminEndpoint) => call(admin, 'GET', '/batcher') as Promise<Record<string, unknown>>,
  setBatcher: (admin: AdminEndpoint, body: Record<string, unknown>) =>
    call(admin, 'PUT', '/batcher', body) as Promise<Record<string, unknown>>,
};
