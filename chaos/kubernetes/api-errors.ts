import { FiredrillError } from '../../src/core/errors.ts';
import { KubeApiError, type ObjectRef } from './client.ts';

/**
 * One mapping of a failed Kubernetes API call to a FiredrillError with the hint that fits its HTTP status,
 * for every caller of the kubernetes backend. What differs between callers is data (`KubeFailureHints`):
 *   - a 404 on a POST to a collection means the cluster does not serve the kind (the CRD is not installed),
 *     while a 404 on GET or PATCH of a named object means that object is missing (`notFound`);
 *   - the RBAC hint, the hint that installs the controller, and the hint for any other status.
 * client-node's discovery failing to find a kind ("Unrecognized API version and kind") is "not served" for
 * every caller; status 0 (no answer) is FD_BACKEND_UNREACHABLE.
 */
export interface KubeFailureHints {
  /** What a 404 means: the kind is not served (creating), or the named object does not exist (read, patch). */
  notFound: 'kind-not-served' | 'object-missing';
  /** 403: which rights to grant. */
  forbidden: string;
  /** The kind is not served: what to install. */
  notServed: (ref: ObjectRef) => string;
  /** 404 of the object itself (notFound 'object-missing'). */
  missing?: (ref: ObjectRef) => string;
  /** Any other status (400, 409, 422, 5xx). */
  other: (status: number) => string;
}

const describe = (ref: ObjectRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;

/** A failed API call as FD_INJECT_FAILED (or FD_BACKEND_UNREACHABLE); a FiredrillError passes through. */
export function kubeApiFailure(
  error: unknown,
  ref: ObjectRef,
  doing: string,
  hints: KubeFailureHints,
): FiredrillError {
  if (error instanceof FiredrillError) return error;
  const failure =
    error instanceof KubeApiError
      ? error
      : new KubeApiError(0, '', error instanceof Error ? error.message : String(error));
  const notServed =
    /Unrecognized API version and kind/.test(failure.message) ||
    (failure.status === 404 && hints.notFound === 'kind-not-served');
  if (notServed) {
    return new FiredrillError(
      'FD_INJECT_FAILED',
      `the cluster does not serve ${ref.apiVersion} ${ref.kind}: ${failure.detail}`,
      { hint: hints.notServed(ref), cause: error },
    );
  }
  if (failure.status === 403) {
    return new FiredrillError(
      'FD_INJECT_FAILED',
      `forbidden to ${doing} ${describe(ref)}: ${failure.detail}`,
      {
        hint: hints.forbidden,
        cause: error,
      },
    );
  }
  if (failure.status === 0) {
    return new FiredrillError(
      'FD_BACKEND_UNREACHABLE',
      `Kubernetes API unreachable (${doing} ${describe(ref)}): ${failure.detail}`,
      { hint: 'check the kubeconfig context (kubectl cluster-info)', cause: error },
    );
  }
  const missing = failure.status === 404 ? hints.missing?.(ref) : undefined;
  return new FiredrillError('FD_INJECT_FAILED', `could not ${doing} ${describe(ref)}: ${failure.detail}`, {
    hint: missing ?? hints.other(failure.status),
    cause: error,
  });
}
