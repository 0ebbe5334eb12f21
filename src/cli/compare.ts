import { realpath, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  type Comparison,
  compareSides,
  comparisonMarkdown,
  defaultTolerance,
  parseTolerance,
  readSide,
  type Side,
  type Tolerance,
} from '../compare/index.ts';
import { ExitCode, FiredrillError, formatError } from '../core/errors.ts';
import type { BaselineComparison } from '../suite/index.ts';
import type { CompareFlags } from './flags.ts';

/**
 * `firedrill compare <baseline> <new>`: the markdown on stdout (and in --markdown FILE), the Comparison in
 * --json FILE; exit 10 on a regression, 0 otherwise, 2 for bad input.
 */
export async function compareCommand(flags: CompareFlags): Promise<number> {
  const tolerance = toleranceOf(flags.tolerance, '--tolerance');
  const baseline = await readNamed(flags.baseline, 'baseline');
  const current = await readNamed(flags.current, 'new');
  const comparison = compareSides(baseline, current, { tolerance });
  const markdown = comparisonMarkdown(comparison);
  if (flags.json) await write(flags.json, `${JSON.stringify(comparison, null, 2)}\n`, '--json');
  if (flags.markdown) await write(flags.markdown, markdown, '--markdown');
  process.stdout.write(markdown);
  return exitFor(comparison);
}

export function toleranceOf(text: string | undefined, where: string): Tolerance {
  return text === undefined ? defaultTolerance : parseTolerance(text, where);
}

function exitFor(comparison: Comparison): number {
  return comparison.regressions > 0 ? ExitCode.failed : ExitCode.passed;
}

/**
 * Reads a side under a stable name: `reports/latest` is resolved first (a suite moves `latest` to itself),
 * then named relative to the working folder.
 */
async function readNamed(dir: string, role: 'baseline' | 'new'): Promise<Side> {
  const real = await realpath(dir).catch(() => dir);
  const side = await readSide(real, role);
  return { ...side, dir: relative(process.cwd(), real) || '.' };
}

async function write(file: string, text: string, flag: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `${flag} ${file}: cannot write: ${formatError(error)}`, {
      hint: 'give a file in a folder that exists and is writable',
    });
  }
}

/**
 * The suite's baseline comparison (`suite --baseline`): the baseline is read and checked before any run; after
 * the suite, its folder is compared with it and compare.md and compare.json are written into it.
 */
export function suiteBaselineComparison(tolerance: Tolerance): BaselineComparison {
  return async (baselineDir) => {
    const baseline = await readNamed(baselineDir, 'baseline');
    return async (suiteDir) => {
      const comparison = compareSides(baseline, await readNamed(suiteDir, 'new'), { tolerance });
      await writeFile(join(suiteDir, 'compare.json'), `${JSON.stringify(comparison, null, 2)}\n`);
      await writeFile(join(suiteDir, 'compare.md'), comparisonMarkdown(comparison));
      return {
        baselineDir: baseline.dir,
        verdict: comparison.verdict,
        regressions: comparison.regressions,
        improvements: comparison.improvements,
        markdown: comparisonMarkdown(comparison, 3),
        comparison,
      };
    };
  };
}
