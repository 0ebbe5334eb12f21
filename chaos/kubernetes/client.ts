import {
  ApiException,
  type Configuration,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { FiredrillError } from '../../src/core/errors.ts';
import type { ManifestObject } from './manifests.ts';

/**
 * The few Kubernetes API calls the kubernetes backend makes, behind a small interface so the injector can be
 * tested against a stand-in API server (or a fake). Every request has a time limit (`requestTimeoutMs`):
 * an API server that stops answering fails the call, it never hangs the game day.
 */

/** Which object: enough to build its REST path. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The parts of a Kubernetes object the injector reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    creationTimestamp?: string | Date;
    deletionTimestamp?: string | Date;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A core/v1 Event, the fields used. */
export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | Date;
  lastTimestamp?: string | Date;
  eventTime?: string | Date;
  metadata?: { creationTimestamp?: string | Date };
  involvedObject?: { kind?: string; name?: string; uid?: string };
}

/** A core/v1 Pod, the fields used. */
export interface KubePod {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: Array<{ type?: string; status?: string; lastTransitionTime?: string | Date }>;
    containerStatuses?: Array<{
      state?: {
        waiting?: { reason?: string; message?: string };
        terminated?: { reason?: string; exitCode?: number; message?: string };
      };
    }>;
  };
}

export interface KubeApi {
  /** POST the object. Rejects with a KubeApiError (status 409 on conflict, 403 when forbidden...). */
  create(object: ManifestObject): Promise<KubeObject>;
  /** GET; undefined when the object does not exist (404). */
  read(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** PATCH with a JSON merge patch (RFC 7386; custom resources take no strategic merge patch). Returns the
   *  object as stored after the patch; rejects with a KubeApiError (404 when it does not exist). */
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  /** DELETE; 'absent' when it was already gone (404). */
  delete(ref: ObjectRef, propagationPolicy?: 'Background' | 'Foreground'): Promise<'deleted' | 'absent'>;
  listEvents(namespace: string, fieldSelector: string): Promise<KubeEvent[]>;
  listPods(namespace: string, labelSelector: string): Promise<KubePod[]>;
}

/** A failed API call: the HTTP status (0 when the server could not be reached) and the Status message. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options?.detail ?? message;
  }
  /** The server's own message (Status.message), without what firedrill was doing. */
  readonly detail: string;
}

export interface KubeClientOptions {
  /** A loaded KubeConfig. Default: `loadKubeConfig()` (in-cluster service account, else ~/.kube/config or
   *  $KUBECONFIG, as kubectl does). */
  kubeConfig?: KubeConfig;
  /** Limit per API request. Default 10 s. */
  requestTimeoutMs?: number;
}

/**
 * The kubeconfig as kubectl would find it: `KubeConfig.loadFromDefault()` reads $KUBECONFIG or
 * ~/.kube/config, and inside a pod falls back to the service account (`loadFromCluster()`). Credentials stay
 * inside the KubeConfig; nothing here logs or journals them.
 */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new FiredrillError('FD_BACKEND_UNREACHABLE', 'no Kubernetes cluster configured', {
      hint: 'set KUBECONFIG (or ~/.kube/config with a current context), or run firedrill in a pod with a service account',
    });
  }
  return kc;
}

function statusMessage(raw: unknown): { reason: string; message: string } {
  let body = raw;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw); // client-node hands over the Status body as text
    } catch {
      body = raw;
    }
  }
  if (typeof body === 'object' && body !== null) {
    const b = body as { reason?: unknown; message?: unknown };
    return {
      reason: typeof b.reason === 'string' ? b.reason : '',
      message: typeof b.message === 'string' ? b.message : JSON.stringify(body),
    };
  }
  return { reason: '', message: typeof body === 'string' ? body : String(body) };
}

/** Turns what @kubernetes/client-node throws into a KubeApiError with the status and the server's message. */
export function toKubeApiError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof ApiException) {
    const { reason, message } = statusMessage(error.body);
    return new KubeApiError(error.code, reason, `${what}: HTTP ${error.code} ${message}`, {
      cause: error,
      detail: `HTTP ${error.code} ${message}`,
    });
  }
  const text = error instanceof Error ? error.message : String(error);
  const aborted = error instanceof Error && (error.name === 'AbortError' || /aborted/i.test(text));
  return new KubeApiError(
    0,
    aborted ? 'Timeout' : 'Unreachable',
    `${what}: ${aborted ? 'no answer in time' : text}`,
    { cause: error, detail: aborted ? 'no answer in time' : text },
  );
}

/**
 * The @kubernetes/client-node Configuration firedrill's clients share: the kubeconfig's current cluster and
 * credentials, and a middleware that gives each request an abort deadline (`requestTimeoutMs`, default 10 s).
 */
export function kubeConfiguration(options: KubeClientOptions = {}): Configuration {
  const kc = options.kubeConfig ?? loadKubeConfig();
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new FiredrillError('FD_BACKEND_UNREACHABLE', 'the kubeconfig has no current cluster', {
      hint: 'kubectl config use-context <context>',
    });
  }
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  // As kc.makeApiClient does, plus a middleware that gives each request an abort deadline.
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (context: RequestContext) => {
          context.setSignal(AbortSignal.timeout(timeoutMs));
          return context;
        },
        post: async (response: ResponseContext) => response,
      },
    ],
  });
}

/** The real client, over @kubernetes/client-node 1.x (KubernetesObjectApi for any kind, CoreV1Api). */
export function kubeClient(options: KubeClientOptions = {}): KubeApi {
  const configuration = kubeConfiguration(options);
  const objects = new KubernetesObjectApi(configuration);
  const core = new CoreV1Api(configuration);
  const header = (ref: ObjectRef) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
  });
  const describe = (ref: ObjectRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
  return {
    async create(object) {
      try {
        return (await objects.create(structuredClone(object))) as KubeObject;
      } catch (error) {
        const { namespace, name } = object.metadata;
        throw toKubeApiError(error, `create ${object.kind} ${namespace}/${name}`);
      }
    },
    async read(ref) {
      try {
        return (await objects.read(header(ref))) as KubeObject;
      } catch (error) {
        const failure = toKubeApiError(error, `get ${describe(ref)}`);
        if (failure.status === 404) return undefined;
        throw failure;
      }
    },
    async mergePatch(ref, patch) {
      try {
        const body = { ...structuredClone(patch), ...header(ref) };
        body.metadata = { ...(patch.metadata as object | undefined), ...header(ref).metadata };
        return (await objects.patch(
          body,
          undefined,
          undefined,
          'firedrill',
          undefined,
          PatchStrategy.MergePatch,
        )) as KubeObject;
      } catch (error) {
        throw toKubeApiError(error, `patch ${describe(ref)}`);
      }
    },
    async delete(ref, propagationPolicy = 'Background') {
      try {
        await objects.delete(header(ref), undefined, undefined, undefined, undefined, propagationPolicy);
        return 'deleted';
      } catch (error) {
        const failure = toKubeApiError(error, `delete ${describe(ref)}`);
        if (failure.status === 404) return 'absent';
        throw failure;
      }
    },
    async listEvents(namespace, fieldSelector) {
      try {
        const list = await core.listNamespacedEvent({ namespace, fieldSelector });
        return list.items as KubeEvent[];
      } catch (error) {
        throw toKubeApiError(error, `list events in ${namespace}`);
      }
    },
    async listPods(namespace, labelSelector) {
      try {
        const list = await core.listNamespacedPod({ namespace, labelSelector });
        return list.items as KubePod[];
      } catch (error) {
        throw toKubeApiError(error, `list pods in ${namespace}`);
      }
    },
  };
}
