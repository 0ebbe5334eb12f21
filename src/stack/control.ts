import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A loopback control API of a stack helper process (supervisor, feature-store proxy) and its bearer token. */
export interface ControlEndpoint {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  token: string;
}

/** Stack components that run under a process supervisor (pod-kill, pod-failure, container-kill targets). */
export type SupervisedComponent = 'model-server' | 'feature-store';

/**
 * The embedded stack's control file, `<stack dir>/control.json` (mode 0600): every control URL with its
 * token. Recovery records in the journal name this file (never a token), so `firedrill recover` can revert
 * a crashed run's faults on the stack that run owned; for a `firedrill up` stack the same data is also in
 * `.firedrill/stack.json`.
 */
export interface StackControl {
  admin: ControlEndpoint;
  supervisors: Record<SupervisedComponent, ControlEndpoint>;
  featureStoreProxy: ControlEndpoint;
}

export function writeStackControl(file: string, control: StackControl): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(control, null, 2)}\n`, { mode: 0o600 });
}

export function readStackControl(file: string): StackControl | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackControl;
  } catch {
    return undefined;
  }
}
