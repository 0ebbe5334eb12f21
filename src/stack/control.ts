import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  writePrivateFile(file, `${JSON.stringify(control, null, 2)}\n`);
}

/**
 * Writes a file only its owner may read or write (0600), also when it existed before with a wider mode
 * (`writeFile`'s mode applies only to a file it creates). For tokens and secrets.
 */
export function writePrivateFile(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Removes the stack's secret files (absent ones are fine): once its components are stopped nothing needs them. */
export function removePrivateFiles(files: readonly (string | undefined)[]): void {
  for (const file of files) if (file) rmSync(file, { force: true });
}

export function readStackControl(file: string): StackControl | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackControl;
  } catch {
    return undefined;
  }
}
