import type { Configurator, ConfiguratorSpec, Settings } from '../configure/index.ts';
import { FiredrillError, formatError } from '../core/errors.ts';
import type { JournalEvent, JournalSink } from '../journal/index.ts';

/** A configuration in force, from `applyConfiguration`. */
export interface AppliedConfiguration {
  readonly id: string;
  /** The settings read before the apply: what `restore` puts back. */
  readonly original: Settings;
  /** Puts the original back and journals it. Idempotent: a second call does nothing. */
  restore(): Promise<void>;
}

/**
 * Applies `settings` the way a fault is injected: reads the original values of the names it changes,
 * journals `configuration-applying` with the configurator's spec and the original (write-ahead: a crash from
 * here on leaves what `firedrill recover` needs), applies, and confirms within `confirmTimeoutMs`. A failed
 * apply or confirm restores the original before it throws. The caller pushes the returned restore on its
 * disposal scope at once, so the original comes back on every path (end, error, Ctrl-C).
 */
export async function applyConfiguration(
  configurator: Configurator,
  settings: Settings,
  journal: JournalSink,
  options: { id: string; spec: ConfiguratorSpec; confirmTimeoutMs: number; now?: () => number },
): Promise<AppliedConfiguration> {
  const now = options.now ?? Date.now;
  const { id } = options;
  const original = await configurator.read(Object.keys(settings));
  journal.append({
    type: 'configuration-applying',
    at: now(),
    id,
    target: configurator.target,
    spec: options.spec,
    original,
    settings,
  });
  let restored = false;
  const restore = async () => {
    if (restored) return;
    journal.append({ type: 'configuration-restoring', at: now(), id });
    try {
      await configurator.restore(original);
    } catch (error) {
      journal.append({ type: 'configuration-restore-failed', at: now(), id, error: formatError(error) });
      throw new FiredrillError(
        'FD_REVERT_FAILED',
        `configuration ${id} on ${configurator.target} could not be restored: ${formatError(error)}`,
        { hint: `run firedrill recover, or put back ${JSON.stringify(original)} by hand` },
      );
    }
    restored = true;
    journal.append({ type: 'configuration-restored', at: now(), id });
  };
  try {
    await configurator.apply(settings);
    await configurator.confirm(settings, options.confirmTimeoutMs);
  } catch (error) {
    journal.append({ type: 'configuration-apply-failed', at: now(), id, error: formatError(error) });
    await restore();
    throw error;
  }
  journal.append({ type: 'configuration-applied', at: now(), id });
  return { id, original, restore };
}

/**
 * The configurations a journal shows as possibly still applied: a `configuration-applying` with no
 * `configuration-restored` or `configuration-recovered` after it. Pure.
 */
export function pendingConfigurations(
  events: readonly JournalEvent[],
): Array<Extract<JournalEvent, { type: 'configuration-applying' }>> {
  const pending = new Map<string, Extract<JournalEvent, { type: 'configuration-applying' }>>();
  for (const event of events) {
    if (event.type === 'configuration-applying') {
      // A second apply under the same id keeps the first original: that is what was there before.
      const earlier = pending.get(event.id);
      pending.set(event.id, earlier ? { ...event, original: earlier.original } : event);
    }
    if (event.type === 'configuration-restored' || event.type === 'configuration-recovered') {
      pending.delete(event.id);
    }
  }
  return [...pending.values()];
}
