import type { ScenarioInput } from './schema.ts';

/**
 * Marks a scenario file's default export. It returns its argument unchanged: validation happens when
 * firedrill loads the file (so every problem is reported together, with its path), and the type
 * parameter gives editors completion and checks while the file is written.
 */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}
