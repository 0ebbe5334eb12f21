import type { z } from 'zod';
import { FiredrillError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import type { ParsedFault } from './faults.ts';
import {
  type PartIssue,
  parseParts,
  partsOfScenario,
  referenceIssues,
  type ScenarioParts,
} from './references.ts';
import { type Expectation, type Scenario, scenarioSchema } from './schema.ts';
import { payloadIssues } from './timeline.ts';

export interface ScenarioIssue {
  /** Like `faults[1].duration`. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; issues: ScenarioIssue[] };

/**
 * `faults[1].duration`; a key that is not a plain name (a label like `app.kubernetes.io/name`, an empty or
 * unicode key) is quoted as in JavaScript, `labelSelectors["app.kubernetes.io/name"]`, so the path stays
 * unambiguous. The root is `(scenario)`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$-]*$/.test(part))
      out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(scenario)';
}

/** The value at `path` in `data`, or undefined. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** zod's issues as ours; a misspelt choice (a kind, an enum value) is named with the closest choices. */
function toIssues(error: z.ZodError, data: unknown): ScenarioIssue[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      message = `required field is missing (expected ${issue.expected})`;
    } else if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(scenarioSchema, data, issue.path);
      const named = issue.keys.map((k) => `"${k}"${didYouMean(k, known)}`).join(', ');
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${named}${known.length > 0 ? ` (fields here: ${known.join(', ')})` : ' (check the spelling)'}`;
    } else if (issue.code === 'invalid_union' || issue.code === 'invalid_value') {
      const given = valueAt(data, issue.path);
      // A discriminated union's issue lists its discriminator values in `options` (zod 4).
      const choices: readonly unknown[] =
        issue.code === 'invalid_union'
          ? ((issue as { options?: readonly unknown[] }).options ?? [])
          : issue.values;
      if (typeof given === 'string') {
        const strings = choices.filter((c): c is string => typeof c === 'string');
        message = `${message}; got ${JSON.stringify(truncate(given))}${didYouMean(given, strings)}`;
      }
    }
    return { path: formatPath(issue.path), message };
  });
}

/** The fields of the object schema at `path` (following `data` through discriminated unions), or []. */
function knownKeys(schema: z.core.$ZodType, data: unknown, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  let value = data;
  let step = 0;
  while (current !== undefined) {
    const def = current._zod.def as unknown as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      innerType?: z.core.$ZodType;
      in?: z.core.$ZodType;
      element?: z.core.$ZodType;
      options?: z.core.$ZodType[];
      discriminator?: string;
    };
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') {
      current = def.innerType;
    } else if (def.type === 'pipe') {
      current = def.in;
    } else if (def.type === 'union') {
      const kind = (value as Record<string, unknown> | null)?.[def.discriminator ?? ''];
      current = unionMembers(current).find((option) => {
        const shape = (option._zod.def as { shape?: Record<string, z.core.$ZodType> }).shape;
        const literal = shape?.[def.discriminator ?? '']?._zod.def as { values?: unknown[] } | undefined;
        return literal?.values?.includes(kind) === true;
      });
    } else if (step === path.length) {
      return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
    } else if (def.type === 'object' && def.shape) {
      const key = String(path[step]);
      current = def.shape[key];
      value = (value as Record<string, unknown> | null)?.[key];
      step += 1;
    } else if (def.type === 'array') {
      current = def.element;
      value = (value as unknown[] | null)?.[path[step] as number];
      step += 1;
    } else {
      return [];
    }
  }
  return [];
}

/** A union's members, nested unions (a union of discriminated unions) flattened. */
function unionMembers(schema: z.core.$ZodType): z.core.$ZodType[] {
  const def = schema._zod.def as { type: string; options?: z.core.$ZodType[] };
  return def.type === 'union' ? (def.options ?? []).flatMap(unionMembers) : [schema];
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Validates plain data as a scenario, collecting every issue (never only the first) from every layer that
 * can run: the structure of each part (zod; the traffic's capacity checks included), the references across
 * parts (over the parts that parsed, see references.ts), and the drift timeline (when the traffic and the
 * payload parsed). Each issue has its path.
 */
export function parseScenario(data: unknown): ParseResult {
  const whole = scenarioSchema.safeParse(data);
  const parts = whole.success ? partsOfScenario(whole.data, data) : parseParts(data);
  const issues = [
    ...(whole.success ? [] : toIssues(whole.error, data)),
    ...[...referenceIssues(parts), ...timelineIssues(parts)].map((issue) => ({
      path: formatPath(issue.path),
      message: issue.message,
    })),
  ];
  if (whole.success && issues.length === 0) return { ok: true, scenario: whole.data };
  return { ok: false, issues };
}

/**
 * The drift timeline's checks (timeline.ts `payloadIssues`) over the faults and expectations that parsed,
 * with their paths pointing at each expectation's own index.
 */
function timelineIssues(parts: ScenarioParts): PartIssue[] {
  if (parts.traffic === undefined || parts.payload === undefined) return [];
  const indexes: number[] = [];
  const expect: Expectation[] = [];
  parts.expect.forEach((expectation, index) => {
    if (expectation === undefined) return;
    indexes.push(index);
    expect.push(expectation);
  });
  const faults = parts.faults.filter((f): f is ParsedFault => f !== undefined);
  const scenario = {
    traffic: parts.traffic,
    expect,
    faults,
    ...(parts.payload.value === undefined ? {} : { payload: parts.payload.value }),
  };
  return payloadIssues(scenario).map((issue) => {
    const [head, index, ...rest] = issue.path;
    return head === 'expect' && typeof index === 'number'
      ? { path: ['expect', indexes[index] ?? index, ...rest], message: issue.message }
      : issue;
  });
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
