import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { FiredrillError } from '../core/errors.ts';
import type { FaultBackend } from './faults.ts';
import type { Scenario } from './schema.ts';
import { parseScenarioOrThrow } from './validate.ts';

/**
 * Loads a scenario file (TypeScript or JavaScript, `export default defineScenario({...})`) and validates
 * it. TypeScript is loaded through tsx, which the CLI registers, so no build step is needed.
 */
export interface LoadOverrides {
  /** Run every fault on this backend (`firedrill run --backend`), validated like a scenario that says so. */
  backend?: FaultBackend | undefined;
}

export async function loadScenario(file: string, overrides: LoadOverrides = {}): Promise<Scenario> {
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
    // tsImport loads TypeScript without a build step, wherever the file lives (a file outside an ESM
    // package is compiled as CommonJS; its default export then arrives wrapped once more, see below).
    module = (await tsImport(path, import.meta.url)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new FiredrillError('FD_SCENARIO_LOAD', `could not load scenario ${file}: ${reason}`, {
      hint: 'the file must be valid TypeScript/JavaScript with `export default defineScenario({...})`',
      cause: error,
    });
  }
  const exported = unwrapDefault(module.default);
  if (exported === undefined) {
    throw new FiredrillError('FD_SCENARIO_LOAD', `${file} has no default export`, {
      hint: 'end the file with `export default defineScenario({...})`',
    });
  }
  return parseScenarioOrThrow(applyOverrides(exported, overrides), file);
}

/** A CommonJS-compiled module's namespace nests the default export: `{ default: { default: x } }`. */
function unwrapDefault(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'default' in value && !('name' in value)) {
    return (value as { default: unknown }).default;
  }
  return value;
}

function applyOverrides(scenario: unknown, overrides: LoadOverrides): unknown {
  if (overrides.backend === undefined || scenario === null || typeof scenario !== 'object') return scenario;
  const faults = (scenario as { faults?: unknown }).faults;
  if (!Array.isArray(faults)) return scenario;
  return {
    ...scenario,
    faults: faults.map((fault: unknown) =>
      fault !== null && typeof fault === 'object' ? { ...fault, backend: overrides.backend } : fault,
    ),
  };
}
