import type { z } from 'zod';
import { FiredrillError } from '../core/errors.ts';
import { type Scenario, scenarioSchema } from './schema.ts';

export interface ScenarioIssue {
  /** Like `faults[1].duration`. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; issues: ScenarioIssue[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(scenario)';
}

function toIssues(error: z.ZodError): ScenarioIssue[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      message = `required field is missing (expected ${issue.expected})`;
    } else if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`;
    }
    return { path: formatPath(issue.path), message };
  });
}

/** Validates plain data as a scenario, collecting every issue (never only the first). */
export function parseScenario(data: unknown): ParseResult {
  const result = scenarioSchema.safeParse(data);
  return result.success ? { ok: true, scenario: result.data } : { ok: false, issues: toIssues(result.error) };
}

/** Like parseScenario, but throws FD_SCENARIO_INVALID listing every issue, prefixed with `file`. */
export function parseScenarioOrThrow(data: unknown, file: string): Scenario {
  const result = parseScenario(data);
  if (result.ok) return result.scenario;
  const lines = result.issues.map((issue) => `  ${file}: ${issue.path}: ${issue.message}`);
  throw new FiredrillError(
    'FD_SCENARIO_INVALID',
    `invalid scenario (${result.issues.length} problem${result.issues.length > 1 ? 's' : ''}):\n${lines.join('\n')}`,
    { hint: 'see scenarios/latency-spike.ts for a complete example' },
  );
}
