import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import { parseScenario, parseScenarioOrThrow } from './validate.ts';

/**
 * Property tests: thousands of random mutations of the sample scenarios' data (wrong types, missing and
 * unknown fields, out-of-range numbers, unicode, huge arrays, deep nesting). Validation never throws,
 * and every issue has a path that points into the data (all but its last step exist: the last may name
 * the missing field) and a message without a stack trace; a mutation that breaks a value's type is
 * reported at, inside or above the mutated place.
 */

const SEED = 20_261_204;
const scenariosDir = new URL('../../scenarios/', import.meta.url);
const samples: Array<{ file: string; data: unknown }> = [];

beforeAll(async () => {
  for (const file of readdirSync(scenariosDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.suite.ts'))
    .sort()) {
    const module = (await import(new URL(file, scenariosDir).href)) as { default: unknown };
    samples.push({ file, data: module.default });
  }
});

type Path = Array<string | number>;
type Json = unknown;

/** Every place in the tree: objects, arrays and leaves (the root too). */
function placesOf(value: Json, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      placesOf(v, [...path, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) placesOf(v, [...path, k], out);
  }
  return out;
}

function get(value: Json, path: Path): Json {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, Json>)[key];
  }
  return node;
}

/** Sets (or, with `remove`, deletes / splices out) the value at a non-empty path. */
function set(root: Json, path: Path, value: Json, remove = false): void {
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path[path.length - 1]!;
  if (!remove) parent[key] = value;
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
}

/** `faults[1].selector.labelSelectors["app.kubernetes.io/name"]` → its steps; '(scenario)' → []. */
function parsePath(text: string): Path {
  if (text === '(scenario)') return [];
  const steps: Path = [];
  const pattern = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;
  let rest = text;
  while (rest !== '') {
    const m = pattern.exec(rest);
    if (!m) throw new Error(`unparsable issue path ${JSON.stringify(text)} at ${JSON.stringify(rest)}`);
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
    rest = rest.slice(m[0].length);
  }
  return steps;
}

function isPrefix(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((k, i) => k === b[i]);
}

function typeOf(value: Json): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Deep nesting: { a: { a: ... } } `depth` levels down. */
function nested(depth: number): Json {
  let value: Json = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const oddNumbers = fc.constantFrom(
  -1,
  0,
  -0,
  0.5,
  1e-320,
  2 ** 53 + 1,
  1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1e9,
);
const unicode = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', ' ', '30s\u0000', '３０s', 'ℌ𝔢𝔩𝔩𝔬', '\u202e30s', 'f1\n', '💥'.repeat(200)),
);
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  oddNumbers,
  fc.double(),
  fc.integer(),
  unicode,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.integer(), unicode), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

/** A value whose JSON type differs from `before`'s (a wrong type), drawn from a few of each kind. */
function wrongType(before: Json, pick: number, depth: number, size: number): Json {
  const candidates: Json[] = [
    42,
    'not-this',
    true,
    null,
    [1, 'two'],
    { unexpected: 1 },
    nested(depth),
    new Array(size).fill(before),
  ].filter((c) => typeOf(c) !== typeOf(before));
  return candidates[pick % candidates.length];
}

type Mutation =
  | { kind: 'wrong-type'; pick: number; depth: number; size: number }
  | { kind: 'replace'; value: Json }
  | { kind: 'remove' }
  | { kind: 'unknown-field'; key: string; value: Json }
  | { kind: 'duplicate' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('wrong-type' as const),
    pick: fc.nat(),
    depth: fc.integer({ min: 50, max: 2000 }),
    size: fc.integer({ min: 500, max: 2000 }),
  }),
  fc.record({ kind: fc.constant('replace' as const), value: anyValue }),
  fc.record({ kind: fc.constant('remove' as const) }),
  fc.record({
    kind: fc.constant('unknown-field' as const),
    key: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,11}$/),
    value: fc.oneof(fc.integer(), fc.constant(null), fc.constant([1])),
  }),
  fc.record({ kind: fc.constant('duplicate' as const) }),
);

/** Applies `m` at `path` (a place in `data`, a deep copy); returns the place to look for issues at. */
function apply(data: Json, path: Path, m: Mutation): Path {
  const before = get(data, path);
  switch (m.kind) {
    case 'wrong-type':
      if (path.length === 0) return path;
      set(data, path, wrongType(before, m.pick, m.depth, m.size));
      return path;
    case 'replace':
      if (path.length > 0) set(data, path, m.value);
      return path;
    case 'remove':
      if (path.length > 0) set(data, path, undefined, true);
      return path.slice(0, -1);
    case 'unknown-field':
      if (typeOf(before) === 'object') (before as Record<string, Json>)[m.key] = m.value;
      return path;
    case 'duplicate':
      if (Array.isArray(before) && before.length > 0) before.push(structuredClone(before[0]));
      return path;
  }
}

/** Checks parseScenario's answer; with `throwing`, also that parseScenarioOrThrow throws the usage error. */
function checkIssues(data: Json, file: string, throwing = false): ReturnType<typeof parseScenario> {
  const result = parseScenario(data);
  if (result.ok) return result;
  expect(result.issues.length).toBeGreaterThan(0);
  // Plain checks, one assertion: a scenario with thousands of issues stays fast.
  const bad = result.issues.filter((issue) => {
    if (issue.path === '' || issue.message === '' || issue.message.includes('    at ')) return true;
    // The path points into the data: every step but the last exists there.
    const path = parsePath(issue.path);
    return path.length > 0 && get(data, path.slice(0, -1)) === undefined;
  });
  expect(bad, `${file}: issues without a path into the data, or with a stack trace`).toEqual([]);
  if (!throwing) return result;
  // The throwing form is the usage error (exit 2), and names the file.
  try {
    parseScenarioOrThrow(data, file);
    expect.unreachable('parseScenarioOrThrow accepted what parseScenario refused');
  } catch (error) {
    expect(isFiredrillError(error) && error.code === 'FD_SCENARIO_INVALID' && error.exitCode === 2).toBe(
      true,
    );
    expect((error as Error).message).toContain(`${file}: ${result.issues[0]!.path}: `);
  }
  return result;
}

describe('scenario validation under random mutation', () => {
  it('the samples are valid as they stand', () => {
    expect(samples.length).toBeGreaterThanOrEqual(5);
    for (const { file, data } of samples) expect(parseScenario(data).ok, file).toBe(true);
  });

  it('never throws; every issue has a path into the data and no stack trace; a wrong type is reported where it is', () => {
    const input = fc
      .tuple(
        fc.nat(),
        fc.nat(),
        fc.oneof(
          mutation.filter((m) => m.kind === 'wrong-type').map((m) => [m]),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
        ),
      )
      .map(([s, p, ms]) => ({ sample: samples[s % samples.length]!, place: p, mutations: ms }));
    fc.assert(
      fc.property(input, ({ sample, place, mutations }) => {
        const data = structuredClone(sample.data);
        let last: Path = [];
        let before: Json;
        for (const m of mutations) {
          const places = placesOf(data);
          const path = places[place % places.length]!;
          before = get(data, path);
          last = apply(data, path, m);
        }
        const result = checkIssues(data, sample.file, place % 10 === 0);
        // (A null stands for "nullable": a number there is no wrong type. The one nullable leaf of the schema is
        // a dimension of validate.outputs[].shape, so a null written there is no wrong type either.)
        if (mutations.length > 1 || mutations[0]!.kind !== 'wrong-type' || last.length === 0) return;
        if (before === null) return;
        // Nor is a null put where the schema takes one (`shape: [null, 3]`: a dimension of any size); a
        // refused null still has to be reported near where it is.
        if (result.ok && get(data, last) === null) return;
        // (An extra-field drift's `value` is the field's value, any JSON: there is no wrong type for it.)
        if (last[0] === 'payload' && last.at(-1) === 'value') return;
        // A value of the wrong type (the one mutation) is refused, with an issue at, inside or above it.
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const paths = result.issues.map((i) => parsePath(i.path));
        const near = paths.some((p) => isPrefix(p, last) || isPrefix(last, p));
        expect(near, `${JSON.stringify(last)} vs ${JSON.stringify(result.issues)}`).toBe(true);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('garbage of any shape at the top is refused with paths, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.anything({ maxDepth: 3 })), (data) => {
        const result = checkIssues(data, 'x.ts', true);
        expect(result.ok).toBe(false);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
