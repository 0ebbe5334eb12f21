import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FiredrillError } from '../core/errors.ts';
import type { Scenario } from './schema.ts';
import { parseScenarioOrThrow } from './validate.ts';

/**
 * Loads a scenario file (TypeScript or JavaScript, `export default defineScenario({...})`) and validates
 * it. TypeScript is loaded through tsx, which the CLI registers, so no build step is needed.
 */
export async function loadScenario(file: string): Promise<Scenario> {
  const path = resolve(file);
  try {
    await access(path);
  } catch {
    throw new FiredrillError('FD_SCENARIO_LOAD', `scenario file not found: ${file}`, {
      hint: 'give the path of a scenario file, e.g. scenarios/latency-spike.ts',
    });
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new FiredrillError('FD_SCENARIO_LOAD', `could not load scenario ${file}: ${reason}`, {
      hint: 'the file must be valid TypeScript/JavaScript with `export default defineScenario({...})`',
      cause: error,
    });
  }
  if (module.default === undefined) {
    throw new FiredrillError('FD_SCENARIO_LOAD', `${file} has no default export`, {
      hint: 'end the file with `export default defineScenario({...})`',
    });
  }
  return parseScenarioOrThrow(module.default, file);
}
