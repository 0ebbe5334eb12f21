import { Agent, type Dispatcher, request } from 'undici';
import { FiredrillError } from '../core/errors.ts';

/**
 * Internal: one JSON-over-HTTP call with a per-call timeout, shared by the Prometheus and Alertmanager
 * clients. Every failure becomes FD_BACKEND_UNREACHABLE naming the URL (never the token) and a hint.
 */
export interface HttpOptions {
  /** Human name of the backend, for messages ("Prometheus"). */
  backend: string;
  baseUrl: string;
  agent: Dispatcher;
  timeoutMs: number;
  bearerToken: string | undefined;
}

/** What went wrong at the API level (`status: "error"` envelopes and HTTP errors). */
export class BackendApiError extends Error {
  override readonly name = 'BackendApiError';
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly errorType: string | undefined,
  ) {
    super(message);
  }
}

export function createAgent(): Agent {
  return new Agent({ connections: 8, keepAliveTimeout: 4_000, connectTimeout: 2_000 });
}

export function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  form?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  text: string;
}

export async function call(http: HttpOptions, path: string, options: CallOptions = {}): Promise<RawResponse> {
  const url = `${http.baseUrl}${path}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (http.bearerToken) headers.authorization = `Bearer ${http.bearerToken}`;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const timeout = AbortSignal.timeout(http.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await request(url, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      dispatcher: http.agent,
      signal,
      headersTimeout: http.timeoutMs,
      bodyTimeout: http.timeoutMs,
    });
    const text = await response.body.text();
    return { status: response.statusCode, text };
  } catch (error) {
    const timedOut = timeout.aborted && !options.signal?.aborted;
    const reason = timedOut ? `no answer within ${http.timeoutMs}ms` : describe(error);
    throw new FiredrillError(
      'FD_BACKEND_UNREACHABLE',
      `${http.backend} at ${url} is unreachable: ${reason}`,
      {
        hint: `check that ${http.backend} is running and that ${http.baseUrl} is the right address`,
        cause: error,
      },
    );
  }
}

/** GET/POST a Prometheus-style JSON envelope and return its `data`, surfacing `errorType: error`. */
export async function callEnvelope<T>(
  http: HttpOptions,
  path: string,
  options: CallOptions = {},
): Promise<T> {
  const { status, text } = await call(http, path, options);
  const url = `${http.baseUrl}${path}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FiredrillError(
      'FD_BACKEND_UNREACHABLE',
      `${http.backend} at ${url} answered HTTP ${status} with a body that is not JSON: ${snippet(text)}`,
      {
        hint: `check that ${http.baseUrl} is a ${http.backend} API (not a proxy or login page)`,
        cause: error,
      },
    );
  }
  const envelope = parsed as { status?: unknown; data?: unknown; errorType?: unknown; error?: unknown };
  if (envelope.status === 'success' && status >= 200 && status < 300) return envelope.data as T;
  const errorType = typeof envelope.errorType === 'string' ? envelope.errorType : undefined;
  const message = typeof envelope.error === 'string' ? envelope.error : snippet(text);
  const apiError = new BackendApiError(message, status, errorType);
  throw new FiredrillError(
    'FD_BACKEND_UNREACHABLE',
    `${http.backend} at ${url} answered HTTP ${status}${errorType ? ` ${errorType}` : ''}: ${message}`,
    { hint: hintFor(http, status, errorType), cause: apiError },
  );
}

/** The JSON body of a non-envelope API (Alertmanager v2). */
export async function callJson<T>(http: HttpOptions, path: string): Promise<T> {
  const { status, text } = await call(http, path);
  const url = `${http.baseUrl}${path}`;
  if (status < 200 || status >= 300) {
    throw new FiredrillError(
      'FD_BACKEND_UNREACHABLE',
      `${http.backend} at ${url} answered HTTP ${status}: ${snippet(text)}`,
      {
        hint: hintFor(http, status, undefined),
        cause: new BackendApiError(snippet(text), status, undefined),
      },
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new FiredrillError(
      'FD_BACKEND_UNREACHABLE',
      `${http.backend} at ${url} answered with a body that is not JSON: ${snippet(text)}`,
      { hint: `check that ${http.baseUrl} is a ${http.backend} API`, cause: error },
    );
  }
}

function hintFor(http: HttpOptions, status: number, errorType: string | undefined): string {
  if (status === 401 || status === 403)
    return `${http.backend} refused the credentials; check the bearer token`;
  if (errorType === 'bad_data') return 'the request was malformed (a PromQL syntax error?)';
  if (errorType === 'timeout' || errorType === 'canceled')
    return `${http.backend} is overloaded or the query is too heavy`;
  if (status === 404) return `check that ${http.baseUrl} is the ${http.backend} root (no extra path)`;
  return `check ${http.backend}'s own log`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
    const codes = [code, causeCode].filter((c): c is string => typeof c === 'string');
    return codes.length > 0 ? `${error.message} (${[...new Set(codes)].join(', ')})` : error.message;
  }
  return String(error);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

/** True when `/-/ready` answers 200; false on any other answer or when unreachable (Prometheus and Alertmanager). */
export async function readyProbe(http: HttpOptions): Promise<boolean> {
  try {
    const { status } = await call(http, '/-/ready');
    return status === 200;
  } catch {
    return false;
  }
}
