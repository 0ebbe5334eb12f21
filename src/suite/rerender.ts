import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Comparison, comparisonSchema } from '../compare/model.ts';
import { FiredrillError, formatError } from '../core/errors.ts';
import { renderRunReports } from '../run/index.ts';
import { type SuiteJson, suiteJsonSchema } from './report.ts';
import { renderSuiteHtml } from './report-html.ts';

/**
 * `firedrill report <suite-dir>`: re-renders every run folder of the suite from its journal, then the suite's
 * report.html from its suite.json (the matrix is not recomputed: it needed the live rule set). A suite.json
 * that is not JSON or not schemaVersion 1 is FD_USAGE naming the file and the fields.
 */
export async function renderSuiteReports(suiteDir: string): Promise<SuiteJson> {
  const file = join(suiteDir, 'suite.json');
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `cannot read ${file}: ${formatError(error)}`, {
      hint: 'give a suite folder written by firedrill suite (it holds suite.json)',
    });
  }
  const parsed = suiteJsonSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${file}: ${issue.path.map(String).join('.') || '(top)'}: ${issue.message}`,
    );
    throw new FiredrillError(
      'FD_USAGE',
      `${file} is not a suite.json of schemaVersion 1:\n${lines.join('\n')}`,
      {
        hint: 'run the suite again with this version of firedrill',
      },
    );
  }
  for (const run of parsed.data.runs) {
    if (run.runDir !== null) await renderRunReports(join(suiteDir, run.runDir));
  }
  await writeFile(
    join(suiteDir, 'report.html'),
    renderSuiteHtml(parsed.data, await readComparison(suiteDir)),
  );
  return parsed.data;
}

/** The suite's compare.json when it ran with a baseline; one that does not parse is FD_USAGE naming it. */
async function readComparison(suiteDir: string): Promise<Comparison | undefined> {
  const file = join(suiteDir, 'compare.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `cannot read ${file}: ${formatError(error)}`, {
      hint: 'compare.json is written by firedrill suite --baseline; run the comparison again (firedrill compare)',
    });
  }
  const parsed = comparisonSchema.safeParse(data);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.map(String).join('.') || '(top)').join(', ');
    throw new FiredrillError('FD_USAGE', `${file} is not a compare.json of schemaVersion 1 (${fields})`, {
      hint: 'run the comparison again with this version of firedrill (firedrill compare)',
    });
  }
  return parsed.data;
}
