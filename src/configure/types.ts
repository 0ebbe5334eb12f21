/**
 * A configurator changes a server's configuration for a capacity search (batching, queue delay, instances…)
 * with the same contract shape as a fault injector: read the original, apply, confirm it took effect, and
 * restore the original on every path (Ctrl-C, crash through `firedrill recover`).
 */

/** One configuration: setting name → value, e.g. `{ maxBatchSize: 8, maxQueueDelayMs: 2 }`. */
export type Settings = Readonly<Record<string, number | string | boolean>>;

export interface Configurator {
  /** `fixture`, `triton`, `kubernetes` or `command`. */
  readonly kind: string;
  /** Names what is configured, for messages and the journal (e.g. `fixture http://127.0.0.1:8080`). */
  readonly target: string;
  /** The settings in force now, to restore later. Only the names in `names` are read. */
  read(names: readonly string[]): Promise<Settings>;
  /** Applies the settings (partial: names not given keep their value). */
  apply(settings: Settings): Promise<void>;
  /** Resolves once the settings are in effect and the server is ready; throws a FiredrillError otherwise. */
  confirm(settings: Settings, timeoutMs: number): Promise<void>;
  /** Puts back the original settings read before the first apply. Idempotent. */
  restore(original: Settings): Promise<void>;
}
