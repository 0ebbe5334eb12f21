import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { FiredrillError } from '../core/errors.ts';
import { formatPath } from '../scenario/index.ts';
import { type Suite, suiteSchema } from './schema.ts';

/** What `firedrill suite` runs: the suite's settings and its scenario files, in order. */
export interface SuiteInputs {
  suite: Suite;
  /** Absolute paths, in the order given (a folder's files sorted by name). */
  scenarioFiles: string[];
  /** The suite file, when one was given. */
  suiteFile?: string;
}

/**
 * `firedrill suite <dir | files… | suite.ts>`: one suite file (its default export has `scenarios`), or
 * scenario files and folders (each folder's *.ts files, sorted). Unknown paths, empty folders and a suite
 * file mixed with other arguments are FD_USAGE naming them.
 */
export async function resolveSuiteInputs(args: readonly string[]): Promise<SuiteInputs> {
  if (args.length === 0) {
    throw new FiredrillError(
      'FD_USAGE',
      'firedrill suite needs scenarios: a folder, scenario files or a suite file',
      {
        hint: 'e.g. firedrill suite scenarios/ or firedrill suite gate.suite.ts',
      },
    );
  }
  if (args.length === 1 && /\.suite\.[cm]?[jt]s$/.test(args[0]!)) {
    const suiteFile = resolve(args[0]!);
    const suite = await loadSuiteFile(suiteFile, args[0]!);
    const scenarioFiles = await expandPaths(
      suite.scenarios.map((path) => ({ path: resolve(dirname(suiteFile), path), shown: path })),
      `${args[0]}: scenarios`,
    );
    return { suite, scenarioFiles, suiteFile };
  }
  const suiteLike = args.find((arg) => /\.suite\.[cm]?[jt]s$/.test(arg));
  if (suiteLike) {
    throw new FiredrillError(
      'FD_USAGE',
      `a suite file (${suiteLike}) runs alone, not mixed with other paths`,
      {
        hint: 'list the scenarios inside the suite file, or pass scenario files and folders without it',
      },
    );
  }
  const scenarioFiles = await expandPaths(
    args.map((arg) => ({ path: resolve(arg), shown: arg })),
    'firedrill suite',
  );
  const name = args.length === 1 ? basename(resolve(args[0]!)).replace(/\.[cm]?[jt]s$/, '') : 'suite';
  const suite = suiteSchema.parse({ name: sanitizeName(name), scenarios: args });
  return { suite, scenarioFiles };
}

function sanitizeName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return cleaned || 'suite';
}

async function expandPaths(
  paths: ReadonlyArray<{ path: string; shown: string }>,
  origin: string,
): Promise<string[]> {
  const files: string[] = [];
  for (const { path, shown } of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch {
      throw new FiredrillError('FD_USAGE', `${origin}: no scenario file or folder at ${shown}`, {
        hint: 'give scenario files (*.ts) or folders of them',
      });
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const inside = (await readdir(path))
      .filter(
        (name) =>
          /\.[cm]?[jt]s$/.test(name) && !/\.(test|suite)\.[cm]?[jt]s$/.test(name) && !name.endsWith('.d.ts'),
      )
      .sort()
      .map((name) => join(path, name));
    if (inside.length === 0) {
      throw new FiredrillError('FD_USAGE', `${origin}: the folder ${shown} holds no scenario file (*.ts)`, {
        hint: 'give scenario files or a folder that holds some',
      });
    }
    files.push(...inside);
  }
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file)) {
      throw new FiredrillError('FD_USAGE', `${origin}: ${relative(process.cwd(), file)} is listed twice`, {
        hint: 'use --repeat N (or repeat: N in a suite file) to run a scenario several times',
      });
    }
    seen.add(file);
  }
  return files;
}

async function loadSuiteFile(path: string, shown: string): Promise<Suite> {
  let module: { default?: unknown };
  try {
    module = (await tsImport(path, import.meta.url)) as { default?: unknown };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason =
      code === 'ERR_MODULE_NOT_FOUND' && !(error as Error).message.includes(path)
        ? (error as Error).message.split('\n')[0]
        : code === 'ERR_MODULE_NOT_FOUND'
          ? 'file not found'
          : (error instanceof Error ? error.message : String(error))
              .split('\n')
              .filter(Boolean)
              .slice(0, 4)
              .join(' ');
    throw new FiredrillError('FD_SCENARIO_LOAD', `could not load suite ${shown}: ${reason}`, {
      hint: 'a suite file ends with `export default defineSuite({ name, scenarios: [...] })`',
    });
  }
  let exported = module.default;
  if (exported !== null && typeof exported === 'object' && 'default' in exported && !('name' in exported)) {
    exported = (exported as { default: unknown }).default;
  }
  const result = suiteSchema.safeParse(exported);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${shown}: ${formatPath(issue.path)}: ${issue.message}`);
  throw new FiredrillError(
    'FD_SCENARIO_INVALID',
    `invalid suite (${lines.length} problem${lines.length > 1 ? 's' : ''}):\n${lines.join('\n')}`,
    {
      hint: 'a suite is { name, scenarios: ["path.ts", "folder/"], repeat?, known?, gateTimeout?, baseline? }',
    },
  );
}
