/** Configurators: apply a server configuration for a capacity search, confirm it, restore the original. */

export {
  type FixtureAdmin,
  fixtureConfigurator,
  fixtureSettingNames,
  fixtureSettingsIssues,
} from './fixture.ts';
export type { Configurator, Settings } from './types.ts';
