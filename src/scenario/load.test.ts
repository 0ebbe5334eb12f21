import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeLoadFailure, loadScenario } from './load.ts';

const path = '/home/u/game/broken.ts';
const sources: Record<string, string> = {
  [path]: [
    "import { defineScenario } from 'firedrill';",
    'export default defineScenario({',
    "  description: 'größer' target: 1,",
    '  name: notDefined,',
    '});',
  ].join('\n'),
};
const read = (p: string) => sources[p];

describe('describeLoadFailure', () => {
  it('gives file:line:column (1-based, in characters), the message and the line of each syntax error', () => {
    const error = new Error(
      `Transform failed with 2 errors:\n${path}:3:26: ERROR: Expected "}" but found "target"\n${path}:5:0: ERROR: Unexpected "}"`,
    );
    const failure = describeLoadFailure(error, 'broken.ts', path, read);
    // "größer" holds two 2-byte characters: esbuild's byte column 26 is character column 25 (1-based).
    expect(failure.message).toBe(
      [
        '2 syntax errors',
        '  broken.ts:3:25: Expected "}" but found "target"',
        "    3 |   description: 'größer' target: 1,",
        '      |                         ^',
        '  broken.ts:5:1: Unexpected "}"',
        '    5 | });',
        '      | ^',
      ].join('\n'),
    );
    expect(failure.message).not.toContain('    at ');
  });

  it('locates an error thrown while the module ran by its frame in the scenario file', () => {
    const error = new ReferenceError('notDefined is not defined');
    error.stack = `ReferenceError: notDefined is not defined\n    at /home/u/node_modules/x/index.js:1:1\n    at <anonymous> (${path}:4:9)\n    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)`;
    const failure = describeLoadFailure(error, 'broken.ts', path, read);
    expect(failure.message).toBe(
      [
        'broken.ts:4:9: ReferenceError: notDefined is not defined (thrown while the file ran)',
        '    4 |   name: notDefined,',
        '      |         ^',
      ].join('\n'),
    );
  });

  it('says no line is known when no frame names a user file, and never prints the stack', () => {
    const error = new TypeError('x is not a function');
    error.stack =
      'TypeError: x is not a function\n    at data:text/javascript,abc:2:825\n    at node:internal/x:1:1';
    const failure = describeLoadFailure(error, 'broken.ts', path, read);
    expect(failure.message).toBe(
      'TypeError: x is not a function (thrown while the file ran; no line is known)',
    );
    expect(describeLoadFailure('a string', 'b.ts', path, read).message).toContain('a string');
  });
});

describe('loadScenario on real files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firedrill-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a syntax error with its line, column and compiler message (exit 2)', async () => {
    const file = join(dir, 'syntax.ts');
    writeFileSync(file, "export default {\n  name: 'x'\n  description: 'y',\n};\n");
    const error = await loadScenario(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FD_SCENARIO_LOAD', exitCode: 2 });
    const message = (error as Error).message;
    expect(message).toContain(`${file}:3:3: Expected "}" but found "description"`);
    expect(message).toContain("3 |   description: 'y',");
    expect(message).not.toContain('    at ');
  });
});
