import { type LoadOverrides, loadScenario, type PreparedScenario, planScenario } from '../scenario/index.ts';

/**
 * Stage 1 of every program: scenario file → validated scenario → plan. The only path from a file to a
 * plan (run, validate, dry-run, export and the traffic thread all take it), so every command refuses the
 * same scenarios: schema issues, cross-references and payload issues alike (parseScenario runs every layer) throw FD_SCENARIO_INVALID (exit 2).
 * Touches nothing but the file it loads; overrides (`--backend`) apply before validation.
 */
export async function prepare(file: string, overrides: LoadOverrides = {}): Promise<PreparedScenario> {
  const scenario = await loadScenario(file, overrides);
  return { file, scenario, plan: planScenario(scenario) };
}
