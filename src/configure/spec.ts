import { FiredrillError } from '../core/errors.ts';
import type { Settings } from './types.ts';

/**
 * What a configurator acts on, as plain data: journaled before the first apply so that `firedrill recover`
 * can rebuild the configurator in another process and put the original settings back. No credentials: a
 * kubeconfig is found again from the environment, as kubectl does.
 */
export type ConfiguratorSpec =
  | {
      kind: 'fixture';
      /** The fixture model server's admin API, e.g. `http://127.0.0.1:8080/admin`. */
      url: string;
      /** The owning stack's control file (its admin token is found there again, never journaled). */
      controlFile?: string;
    }
  | {
      kind: 'triton';
      /** Triton's HTTP endpoint, e.g. `http://127.0.0.1:8000`. */
      url: string;
      model: string;
    }
  | {
      kind: 'kubernetes';
      namespace: string;
      workload: KubernetesWorkload;
      /** Where each setting goes: an environment variable or a `--flag=value` argument of the container. */
      mapping: Record<string, { env: string } | { arg: string }>;
      /** Namespaces firedrill may change (the allowlist the faults use). */
      allowedNamespaces: string[];
    }
  | {
      kind: 'command';
      /** argv of a command that applies a configuration and exits (0 = applied); no shell. */
      command: string[];
      cwd?: string;
      /** The settings in force before the search: what `read` reports and `restore` runs the command with. */
      original: Record<string, number | string | boolean>;
      /** Ready when GET `url` answers 2xx (after each run of the command). */
      readiness: { url: string; timeoutMs: number };
      /** Limit for one run of the command. */
      timeoutMs: number;
    };

/** The workload a kubernetes configurator patches. */
export type KubernetesWorkload =
  | { kind: 'Deployment'; name: string; container: string }
  | { kind: 'InferenceService'; name: string };

/** `maxBatchSize` → `MAX_BATCH_SIZE`. */
export function screamingSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** A setting's value as text (environment variables, flags). */
export function settingText(value: number | string | boolean): string {
  return String(value);
}

/** Refuses setting names a configurator does not know, naming every one and the known ones (FD_USAGE). */
export function assertKnownSettings(where: string, names: readonly string[], known: readonly string[]): void {
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length === 0) return;
  throw new FiredrillError(
    'FD_USAGE',
    `${where}: unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`,
    { hint: `this configurator knows: ${known.join(', ')}` },
  );
}

/** Only the named settings of `settings`, in the order named. */
export function pick(settings: Settings, names: readonly string[]): Settings {
  const out: Record<string, number | string | boolean> = {};
  for (const name of names) {
    const value = settings[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
