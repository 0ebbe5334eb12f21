import type { Plan } from './plan.ts';
import type { Scenario } from './schema.ts';

/**
 * A scenario ready to be driven: loaded from `file`, validated (schema and payload cross-checks), planned.
 * The one thing every program and command starts from (run, validate, dry-run, export, a suite).
 */
export interface PreparedScenario {
  file: string;
  scenario: Scenario;
  plan: Plan;
}
