import { type AdminEndpoint, adminApi } from '../../chaos/index.ts';
import { FiredrillError } from '../core/errors.ts';
import type { Configurator, Settings } from './types.ts';

/**
 * The fixture model server's dynamic batcher, configured through its bearer-token admin API:
 *   GET {admin}/batcher → the configuration in force (and the queue state)
 *   PUT {admin}/batcher → a partial configuration; applies at once (see fixtures/model-server/batcher.ts)
 */
export type FixtureAdmin = AdminEndpoint;

/** The settings the fixture's batcher takes, each a number. */
export const fixtureSettingNames = [
  'maxBatchSize',
  'maxQueueDelayMs',
  'queueLimit',
  'perBatchOverheadMs',
  'perItemCostMs',
] as const;

export type FixtureSettingName = (typeof fixtureSettingNames)[number];

/** Problems of settings for the fixture: unknown names and values that are not numbers (pure). */
export function fixtureSettingsIssues(settings: Settings): string[] {
  const known: readonly string[] = fixtureSettingNames;
  return Object.entries(settings).flatMap(([name, value]) => {
    if (!known.includes(name)) return [`${name} is not a fixture batcher setting (${known.join(', ')})`];
    if (typeof value !== 'number' || !Number.isFinite(value)) return [`${name} must be a number`];
    return [];
  });
}

function pick(view: Settings, names: readonly string[]): Settings {
  return Object.fromEntries(names.filter((n) => n in view).map((n) => [n, view[n]!]));
}

/** A configurator for the fixture model server's batcher (`kind: 'fixture'`). */
export function fixtureConfigurator(admin: FixtureAdmin): Configurator {
  return {
    kind: 'fixture',
    target: `fixture ${admin.url}`,
    read: async (names) => pick((await adminApi.batcher(admin)) as Settings, names),
    apply: async (settings) => {
      const issues = fixtureSettingsIssues(settings);
      if (issues.length > 0) {
        throw new FiredrillError('FD_USAGE', `fixture configurator: ${issues.join('; ')}`, {
          hint: `settings the fixture takes: ${fixtureSettingNames.join(', ')}`,
        });
      }
      await adminApi.setBatcher(admin, settings);
    },
    // The fixture applies a configuration at once; confirm reads it back until every value matches.
    confirm: async (settings, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let seen: Settings = {};
      for (;;) {
        seen = pick((await adminApi.batcher(admin)) as Settings, Object.keys(settings));
        if (Object.entries(settings).every(([k, v]) => seen[k] === v)) return;
        if (Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new FiredrillError(
        'FD_INJECT_FAILED',
        `fixture configurator: ${JSON.stringify(settings)} did not take effect in ${timeoutMs} ms (the server reports ${JSON.stringify(seen)})`,
        { hint: 'see the model server log' },
      );
    },
    restore: async (original) => {
      if (Object.keys(original).length === 0) return;
      await adminApi.setBatcher(admin, original);
    },
  };
}
