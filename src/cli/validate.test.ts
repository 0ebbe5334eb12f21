import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What a user sees from `firedrill validate` on broken files: one spawn of the real CLI per case. */

const cli = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'firedrill-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  file: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Writes `source` and runs `firedrill validate` on it (the three cases run side by side). */
function validate(name: string, source: string): Promise<Result> {
  const file = join(dir, name);
  writeFileSync(file, source);
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'validate', file], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ file, code, stdout, stderr });
    });
  });
}

const scenario = (faults: string, expectations: string) => `export default {
  name: 'broken',
  description: 'a scenario with problems in every layer',
  target: { model: 'penguins' },
  traffic: { stages: [{ kind: 'constant', name: 'steady', rate: 10, duration: '30s' }] },
  faults: [${faults}],
  expect: [${expectations}],
};
`;

describe('firedrill validate on broken files (exit 2, where and what, no stack trace)', () => {
  let syntax: Result;
  let layers: Result;
  let throws: Result;
  let files: Result;
  beforeAll(async () => {
    // A folder that is an ESM package: its TypeScript runs as ESM, whose frames Node source-maps.
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n3\n');
    writeFileSync(join(dir, 'trace.txt'), '0\n10\nsoon\n');
    [syntax, layers, throws, files] = await Promise.all([
      validate('syntax.ts', "export default {\n  name: 'broken'\n  description: 'x',\n};\n"),
      validate(
        'layers.ts',
        scenario(
          "{ id: 'slow', kind: 'latency-spyke', at: '5s', duration: '10s', delay: '400ms' }, { id: 'slow', kind: 'error-burst', at: '5s', duration: '5s', ratio: 0.5 }",
          "{ kind: 'alert-fires', alert: 'ModelLatencyP99High', after: 'nope', within: '15s' }, { kind: 'threshold', phase: 'stedy', metric: 'p99', op: '<', value: 100 }",
        ),
      ),
      validate('throws.ts', 'const rate = 10;\nexport default { name: notDefined, rate };\n'),
      validate(
        'files.ts',
        `export default {
          name: 'files',
          description: 'names a broken reference dataset and a broken arrival trace',
          target: { model: 'penguins' },
          traffic: {
            stages: [{ kind: 'constant', rate: 10, duration: '30s' }],
            arrival: { kind: 'trace', file: ${JSON.stringify(join(dir, 'trace.txt'))} },
          },
          payload: { reference: ${JSON.stringify(join(dir, 'bad.csv'))} },
          expect: [{ kind: 'alert-silent', alert: 'X' }],
        };`,
      ),
    ]);
  }, 90_000);

  it('a syntax error: file:line:column, the compiler message and the line', () => {
    const { file, code, stdout, stderr } = syntax;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`could not load scenario ${file}: a syntax error`);
    expect(stderr).toContain(`${file}:3:3: Expected "}" but found "description"`);
    expect(stderr).toContain("    3 |   description: 'x',\n      |   ^");
    expect(stderr).not.toContain('    at ');
  });

  it('a bad fault kind and broken references: every issue at once, each with its path', () => {
    const { file, code, stderr } = layers;
    expect(code).toBe(2);
    expect(stderr).toContain('invalid scenario (4 problems)');
    for (const line of [
      `${file}: faults[0].kind: a fault kind is one of`,
      'got "latency-spyke" (did you mean "latency-spike"?)',
      `${file}: faults[1].id: duplicate fault id "slow"`,
      `${file}: expect[0].after: no fault has id "nope" (faults: slow)`,
      `${file}: expect[1].phase: unknown phase "stedy" (did you mean "steady"?)`,
    ]) {
      expect(stderr).toContain(line);
    }
    expect(stderr).not.toContain('    at ');
  });

  it('an error thrown while the file runs: its line in the file', () => {
    const { file, code, stderr } = throws;
    expect(code).toBe(2);
    expect(stderr).toContain(
      `${file}:2:24: ReferenceError: notDefined is not defined (thrown while the file ran)`,
    );
    expect(stderr).not.toContain('    at ');
  });

  it('the files a scenario names (reference dataset, arrival trace): each problem with its file and line', () => {
    const { code, stderr } = files;
    expect(code).toBe(2);
    expect(stderr).toContain('2 problems in the files the scenario names');
    expect(stderr).toContain(
      `reference file ${join(dir, 'bad.csv')} line 3: 1 fields, the header has 2 columns`,
    );
    expect(stderr).toContain(
      `${join(dir, 'trace.txt')}:3: expected a number of ms or an ISO-8601 timestamp, got "soon"`,
    );
    expect(stderr).not.toContain('    at ');
  });
});
