import { FiredrillError } from '../../src/core/errors.ts';
import { type ControlEndpoint, controlCall } from '../local/control-http.ts';
import type { ProxyFaultSpec, ProxyStatus } from './proxy.ts';

/** Client of the feature-store proxy's control API. */
export const proxyApi = {
  status: (c: ControlEndpoint) => controlCall<ProxyStatus>(c, 'GET', '/status'),
  /** Sets a fault that lives until its TTL (no control connection). */
  set: (c: ControlEndpoint, spec: ProxyFaultSpec) =>
    controlCall<ProxyStatus>(c, 'POST', '/fault', { ...spec, attach: false }),
  clear: (c: ControlEndpoint) => controlCall<ProxyStatus>(c, 'DELETE', '/fault'),
};

export interface AttachedFault {
  /** The proxy's status right after the fault was set. */
  readonly status: ProxyStatus;
  /** True while the control connection is open (the proxy holds the fault only as long as it is). */
  isAttached(): boolean;
  /** Closes the control connection (the proxy then reverts the fault). Idempotent. */
  detach(): void;
}

/**
 * Sets a fault attached to a long-lived control connection: the proxy reverts it as soon as this
 * connection drops (firedrill killed: the kernel closes the socket), and after ttlMs in any case.
 * The proxy writes a heartbeat line every second; they are read and dropped here.
 */
export async function setAttachedFault(c: ControlEndpoint, spec: ProxyFaultSpec): Promise<AttachedFault> {
  const abort = new AbortController();
  const connectTimer = setTimeout(() => abort.abort(new Error('no answer in 3 s')), 3000);
  let response: Response;
  try {
    response = await fetch(`${c.url}/fault`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...spec, attach: true }),
      signal: abort.signal,
    });
  } catch (error) {
    clearTimeout(connectTimer);
    throw new FiredrillError('FD_INJECT_FAILED', `feature-store proxy unreachable at ${c.url}`, {
      hint: 'is the embedded stack still running? see feature-store-proxy.log in the run folder',
      cause: error,
    });
  }
  if (!response.ok || !response.body) {
    clearTimeout(connectTimer);
    throw new FiredrillError(
      'FD_INJECT_FAILED',
      `feature-store proxy: POST /fault answered ${response.status} ${(await response.text()).slice(0, 200)}`,
    );
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let first: ProxyStatus | undefined;
  while (first === undefined) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    const newline = buffered.indexOf('\n');
    if (newline >= 0) first = JSON.parse(buffered.slice(0, newline)) as ProxyStatus;
  }
  clearTimeout(connectTimer);
  if (first === undefined) {
    throw new FiredrillError('FD_INJECT_FAILED', 'feature-store proxy closed the control connection at once');
  }
  let attached = true;
  void (async () => {
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } catch {
      // aborted or dropped
    }
    attached = false;
  })();
  return {
    status: first,
    isAttached: () => attached,
    detach() {
      if (!attached) return;
      attached = false;
      abort.abort();
    },
  };
}
