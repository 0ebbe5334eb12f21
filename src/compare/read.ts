/**
 * Reading a side of a comparison from disk: a run folder (run.json, read by readRunDir) or a suite folder
 * (suite.json, and each of its runs' folders inside). Everything wrong is FD_USAGE (exit 2) naming the folder
 * or file and what is wrong.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FiredrillError, formatError } from '../core/errors.ts';
import { type RunJson, readRunDir } from '../report/index.ts';
import { type AlertRule, suiteJsonSchema } from '../suite/index.ts';

/** One run of a side, with where it came from. */
export interface SideRun {
  scenario: string;
  /** 1-based repeat (1 for a lone run). */
  repeat: number;
  /** The run folder. */
  runDir: string;
  run: RunJson;
}

/** A baseline or new result as data: its runs and the alert rules its matrix had as columns. */
export interface Side {
  dir: string;
  kind: 'run' | 'suite';
  /** The suite's name, or the run's scenario. */
  name: string;
  runs: SideRun[];
  /** Suite: the rules loaded in Prometheus. Run: the alerts it saw or expected (run.json lists no rules). */
  alerts: AlertRule[];
}

const hint = 'give a run folder (with run.json) or a suite folder (with suite.json), e.g. reports/latest';

export async function readSide(dir: string, role: 'baseline' | 'new'): Promise<Side> {
  const info = await stat(dir).catch((error: unknown) => {
    throw new FiredrillError('FD_USAGE', `${role} ${dir}: ${formatError(error)}`, { hint });
  });
  if (!info.isDirectory()) {
    throw new FiredrillError('FD_USAGE', `${role} ${dir} is a file, not a run or suite folder`, { hint });
  }
  const suiteFile = join(dir, 'suite.json');
  if (await exists(suiteFile)) return readSuiteSide(dir, suiteFile, role);
  if (await exists(join(dir, 'run.json'))) {
    const { run } = await readRunDir(dir);
    return {
      dir,
      kind: 'run',
      name: run.scenario,
      runs: [{ scenario: run.scenario, repeat: 1, runDir: dir, run }],
      alerts: alertsSeen([run]),
    };
  }
  throw new FiredrillError(
    'FD_USAGE',
    `${role} ${dir} is neither a run folder (no run.json) nor a suite folder (no suite.json)`,
    { hint },
  );
}

async function readSuiteSide(dir: string, file: string, role: string): Promise<Side> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `${role} ${file} is not JSON: ${formatError(error)}`, { hint });
  }
  const parsed = suiteJsonSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${file}: ${issue.path.map(String).join('.') || '(top)'}: ${issue.message}`,
    );
    throw new FiredrillError(
      'FD_USAGE',
      `${role} ${file} is not a suite.json of schemaVersion 1 (${lines.length} problem${lines.length > 1 ? 's' : ''}):\n${lines.join('\n')}`,
      { hint },
    );
  }
  const suite = parsed.data;
  const runs: SideRun[] = [];
  for (const entry of suite.runs) {
    if (entry.runDir === null) continue;
    const runDir = join(dir, entry.runDir);
    const { run } = await readRunDir(runDir);
    runs.push({ scenario: entry.scenario, repeat: entry.repeat, runDir, run });
  }
  if (runs.length === 0) {
    throw new FiredrillError('FD_USAGE', `${role} ${dir}: the suite has no finished run to compare`, {
      hint: 'every run of it was stopped at the quiescence gate; compare with another suite folder',
    });
  }
  return {
    dir,
    kind: 'suite',
    name: suite.name,
    runs,
    alerts: suite.matrix.alerts.map((a) => ({ name: a.name, severity: a.severity, query: a.query })),
  };
}

/** The alerts a lone run saw (any episode) or expected, as matrix columns. */
function alertsSeen(runs: readonly RunJson[]): AlertRule[] {
  const names = new Set<string>();
  for (const run of runs) {
    for (const alert of run.alerts) names.add(alert.name);
    for (const e of run.expectations) if (e.alert !== null) names.add(e.alert);
  }
  return [...names].sort().map((name) => ({ name, severity: null, query: '' }));
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
