import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FiredrillError, formatError } from '../core/errors.ts';
import { formatPath } from '../scenario/index.ts';
import { renderCapacityHtml } from './html.ts';
import { GENERATOR_LIMITED_NOTE, renderCapacitySummary, undecidedText } from './report.ts';
import { type CapacityJson, capacityJsonSchema } from './schema.ts';

/** The file a capacity search writes its result to, in its report folder. */
export const CAPACITY_FILE = 'capacity.json';
/** The schemaVersion of capacity.json this build writes and reads. */
export const CAPACITY_SCHEMA_VERSION = 1;

export interface CapacityFile {
  /** The capacity.json read. */
  file: string;
  result: CapacityJson;
}

const FOLDER_HINT =
  'give a capacity.json or a folder written by firedrill capacity (reports/capacity-<id>, or reports/latest after it)';

/**
 * Reads a capacity.json, given itself or its folder, through its zod schema. Every problem is FD_USAGE
 * (exit 2) naming the file: missing, not JSON, written by a newer firedrill (its schemaVersion), or each
 * field that does not fit the schema with its path in the JSON (`configurations[0].healthy.capacity`).
 */
export async function readCapacityJson(path: string): Promise<CapacityFile> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, CAPACITY_FILE);
  } catch {
    throw new FiredrillError('FD_USAGE', `${path}: no such file or folder`, { hint: FOLDER_HINT });
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `cannot read ${file}: ${formatError(error)}`, { hint: FOLDER_HINT });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FiredrillError('FD_USAGE', `${file} is not JSON: ${formatError(error)}`, {
      hint: 'capacity.json is written by firedrill capacity; run the search again',
    });
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > CAPACITY_SCHEMA_VERSION) {
    throw new FiredrillError(
      'FD_USAGE',
      `${file}: schemaVersion: ${version} is newer than this firedrill reads (${CAPACITY_SCHEMA_VERSION})`,
      { hint: 'use the firedrill version that wrote it, or a newer one' },
    );
  }
  const parsed = capacityJsonSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${file}: ${issue.path.length === 0 ? '(top)' : formatPath(issue.path)}: ${issue.message}`,
    );
    throw new FiredrillError(
      'FD_USAGE',
      `${file} is not a capacity.json of schemaVersion ${CAPACITY_SCHEMA_VERSION}:\n${lines.join('\n')}`,
      { hint: 'capacity.json is written by firedrill capacity; run the search again with this version' },
    );
  }
  return { file, result: parsed.data };
}

/**
 * `firedrill report <capacity-dir>`: re-reads the folder's capacity.json (see readCapacityJson) and rewrites
 * summary.md and capacity.html beside it from that alone (the same pure views the search wrote them with).
 */
export async function renderCapacityReports(dir: string): Promise<CapacityJson> {
  const { result } = await readCapacityJson(dir);
  await writeFile(join(dir, 'summary.md'), renderCapacitySummary(result));
  await writeFile(join(dir, 'capacity.html'), renderCapacityHtml(result));
  return result;
}

/** One configuration's answer, picked to be confirmed elsewhere (`firedrill export … --at-capacity`). */
export interface CapacityPoint {
  /** 1-based, as `--configuration` takes it and the progress line counts. */
  configuration: number;
  label: string;
  /** The SLO capacity, req/s. */
  rate: number;
  slo: CapacityJson['slo'];
  /** What makes the rate less than an answer (a lower bound, the max rate), one line each. */
  warnings: string[];
}

/**
 * The healthy SLO capacity of configuration `configuration` (1-based), or of the recommended one when
 * undefined, from a capacity.json of scenario `scenario`. Refused (FD_USAGE, naming the file): another
 * scenario's result, a configuration that is not there, none recommended, a search that found no capacity.
 * A search without an answer whose lower bound is asked for by number is allowed, with a warning. Pure.
 */
export function capacityPoint(
  { file, result }: CapacityFile,
  scenario: string,
  configuration: number | undefined,
): CapacityPoint {
  if (result.scenario !== scenario) {
    throw new FiredrillError(
      'FD_USAGE',
      `${file} is the capacity of scenario "${result.scenario}", not of "${scenario}"`,
      { hint: 'export the scenario file that capacity search ran' },
    );
  }
  const count = result.configurations.length;
  const listed = result.configurations
    .map(
      (c, i) =>
        `${i + 1}: ${c.label} (${c.healthy.capacity === null ? 'no capacity' : `${c.healthy.capacity}/s`}, ${c.healthy.answer.status})`,
    )
    .join('; ');
  let index: number;
  if (configuration === undefined) {
    if (result.recommendation === null) {
      throw new FiredrillError(
        'FD_USAGE',
        `${file}: no configuration was recommended (none found an SLO capacity), so there is no answer to confirm`,
        {
          hint: count === 0 ? 'run the capacity search again' : `pick one with --configuration N (${listed})`,
        },
      );
    }
    index = result.recommendation;
  } else {
    if (!(configuration >= 1 && configuration <= count)) {
      throw new FiredrillError(
        'FD_USAGE',
        `--configuration ${configuration}: ${file} has ${count} configuration${count === 1 ? '' : 's'}`,
        { hint: count === 0 ? 'run the capacity search again' : `one of ${listed}` },
      );
    }
    index = configuration - 1;
  }
  const chosen = result.configurations[index]!;
  const search = chosen.healthy;
  if (search.capacity === null) {
    throw new FiredrillError(
      'FD_USAGE',
      `--configuration ${index + 1} (${chosen.label}) in ${file} has no SLO capacity: ${undecidedText(search) ?? 'no rate met the SLO'}${search.answer.status === 'generator-limited' ? ` (${GENERATOR_LIMITED_NOTE})` : ''}`,
      { hint: `pick one with a capacity: ${listed}` },
    );
  }
  const warnings: string[] = [];
  const undecided = undecidedText(search);
  if (undecided !== undefined) {
    warnings.push(
      `${chosen.label}: ${undecided}; the export offers that lower bound${search.answer.status === 'generator-limited' ? ` (${GENERATOR_LIMITED_NOTE})` : ''}`,
    );
  }
  if (search.answer.status === 'above-max') {
    warnings.push(
      `${chosen.label}: even the max rate ${search.capacity}/s met the SLO; the capacity may be higher than the rate exported`,
    );
  }
  return { configuration: index + 1, label: chosen.label, rate: search.capacity, slo: result.slo, warnings };
}
