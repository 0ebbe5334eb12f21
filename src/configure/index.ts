/**
 * Configurators: change a server's configuration for a capacity search and put the original back (the
 * injector contract's shape). The run program journals them write-ahead (src/run/configuration.ts).
 */
export { commandConfigurator, settingsEnv } from './command.ts';
export {
  type FixtureAdmin,
  fixtureConfigurator,
  fixtureSettingNames,
  fixtureSettingsIssues,
} from './fixture.ts';
export { configuratorFromSpec } from './from-spec.ts';
export {
  type InferenceService,
  kubernetesConfigurator,
  renderWorkload,
  rolloutState,
  validateInferenceService,
  type Workload,
  withWorkloadSettings,
  workloadSettings,
} from './kubernetes.ts';
export { type ConfiguratorSpec, type KubernetesWorkload, screamingSnake } from './spec.ts';
export {
  type TritonModelConfig,
  tritonConfigHolds,
  tritonConfigurator,
  tritonSettings,
  tritonSettingsOf,
  withTritonSettings,
} from './triton.ts';
export type { Configurator, Settings } from './types.ts';
