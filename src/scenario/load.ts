import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    const failure = describeLoadFailure(error, file, path, readSource);
    throw new FiredrillError('FD_SCENARIO_LOAD', `could not load scenario ${file}: ${failure.message}`, {
      hint: failure.hint,
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

/** The harness's own src/ folder (this file is src/scenario/load.ts). */
const HARNESS_SRC = fileURLToPath(new URL('../', import.meta.url));

/** A source file's text, or undefined when it cannot be read (messages then go without the line). */
function readSource(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export interface LoadFailure {
  /** `broken.ts:6:3: Expected "}" but found "target"`, then the offending line and a caret under the column. */
  message: string;
  hint: string;
}

/**
 * What went wrong while a scenario module loaded, for a person: where (file:line:column, 1-based) and the
 * compiler's or the runtime's message, with the offending source line; never a stack trace.
 *
 * - Syntax errors come from esbuild through tsx, which deletes esbuild's structured `errors[]` before it
 *   rethrows (tsx `formatEsbuildError`), so the locations are read from esbuild's message lines, which have
 *   the fixed form `<file>:<line>:<column>: ERROR: <text>` (line 1-based, column 0-based in UTF-8 bytes).
 * - Errors thrown while the module runs (a ReferenceError, a throw) are located by the first stack frame in
 *   the scenario file (else in any file outside node_modules); TypeScript frames are source-mapped when
 *   Node's source maps are on. Without such a frame the message says so.
 *
 * `file` is the path as the user gave it, `path` its absolute form; `read` returns a file's text.
 */
export function describeLoadFailure(
  error: unknown,
  file: string,
  path: string,
  read: (path: string) => string | undefined,
): LoadFailure {
  const display = (where: string) => (where === path ? file : relative(process.cwd(), where) || where);
  const text = error instanceof Error ? error.message : String(error);
  const syntax = [...text.matchAll(/^(.+?):(\d+):(\d+): ERROR: (.*)$/gm)];
  if (syntax.length > 0) {
    const parts = syntax.map((match) => {
      const where = match[1]!;
      const line = Number(match[2]);
      const lineText = read(where)?.split(/\r?\n/)[line - 1];
      const column = lineText === undefined ? Number(match[3]) + 1 : charColumn(lineText, Number(match[3]));
      return `${display(where)}:${line}:${column}: ${match[4]}${excerpt(line, column, lineText)}`;
    });
    const more = /^Transform failed with (\d+) error/m.exec(text);
    const count = more ? Number(more[1]) : syntax.length;
    return {
      message: `${count === 1 ? 'a syntax error' : `${count} syntax errors`}\n  ${parts.join('\n  ')}`,
      hint: 'fix the syntax at the line shown (npx tsc --noEmit names more problems)',
    };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return {
      message: firstLine(text),
      hint: 'check the import paths at the top of the scenario file (relative imports need their extension)',
    };
  }
  const what =
    error instanceof Error && error.name !== 'Error'
      ? `${error.name}: ${firstLine(error.message)}`
      : firstLine(text);
  const hint = 'a scenario file is data: `export default defineScenario({...})`, with no code that can fail';
  const frame = error instanceof Error ? userFrame(error.stack ?? '', path) : undefined;
  if (frame === undefined) {
    // Files outside an ESM package run as CommonJS from generated code, whose frames name no line of theirs.
    return { message: `${what} (thrown while the file ran; no line is known)`, hint };
  }
  const lineText = read(frame.file)?.split(/\r?\n/)[frame.line - 1];
  return {
    message: `${display(frame.file)}:${frame.line}:${frame.column}: ${what} (thrown while the file ran)${excerpt(frame.line, frame.column, lineText)}`,
    hint,
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** 1-based character column of a 0-based UTF-8 byte column. */
function charColumn(lineText: string, byteColumn: number): number {
  return Buffer.from(lineText, 'utf8').subarray(0, byteColumn).toString('utf8').length + 1;
}

/** The source line under its number, and a caret under `column` (1-based); '' without the line. */
function excerpt(line: number, column: number, lineText: string | undefined): string {
  if (lineText === undefined) return '';
  const gutter = String(line);
  const shown = lineText.length > 160 ? `${lineText.slice(0, 160)}…` : lineText;
  const caret = column - 1 <= shown.length ? `${' '.repeat(column - 1)}^` : '';
  return `\n    ${gutter} | ${shown}\n    ${' '.repeat(gutter.length)} | ${caret}`;
}

/**
 * The first stack frame in `path` (else in any file outside node_modules, Node's own modules and the
 * harness's src/, whose loader frames say nothing about the scenario), as
 * file, line and column. Frames look like `    at f (/a/b.ts:4:9)` or `    at file:///a/b.ts:4:9`.
 */
function userFrame(stack: string, path: string): { file: string; line: number; column: number } | undefined {
  const frames = stack.split('\n').flatMap((lineText) => {
    const match = /^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/.exec(lineText);
    if (!match) return [];
    let where = match[1]!;
    if (where.startsWith('file://')) {
      try {
        where = fileURLToPath(where);
      } catch {
        return [];
      }
    }
    if (!where.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(where)) return [];
    return [{ file: where, line: Number(match[2]), column: Number(match[3]) }];
  });
  return (
    frames.find((f) => f.file === path) ??
    frames.find((f) => !f.file.includes('/node_modules/') && !f.file.startsWith(HARNESS_SRC))
  );
}
