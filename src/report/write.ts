/**
 * The only part of src/report that touches the file system. events.ndjson is written incrementally by
 * the runner (write-ahead); this writes the reports derived from the finished outcome.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JournalEvent } from '../journal/events.ts';
import { buildJunitXml } from './junit.ts';
import { buildRunJson } from './run-json.ts';
import { buildSummaryMarkdown } from './summary-md.ts';
import type { RunOutcome } from './types.ts';

export interface WrittenReports {
  runJson: string;
  junit: string;
  summary: string;
}

function tempName(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** Writes `content` next to `file` and renames it into place, so readers never see half a report. */
async function writeAtomic(file: string, content: string): Promise<void> {
  const temp = tempName(file);
  try {
    await writeFile(temp, content, 'utf8');
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes run.json, junit.xml and summary.md into `dir` (created if missing) and returns their paths.
 * `events` is the journal as read back, for reporters that need the raw event stream (none yet);
 * pass null when it is not at hand.
 */
export async function writeReports(
  dir: string,
  outcome: RunOutcome,
  _events: readonly JournalEvent[] | null,
): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const paths: WrittenReports = {
    runJson: path.join(dir, 'run.json'),
    junit: path.join(dir, 'junit.xml'),
    summary: path.join(dir, 'summary.md'),
  };
  await writeAtomic(paths.runJson, `${JSON.stringify(buildRunJson(outcome), null, 2)}\n`);
  await writeAtomic(paths.junit, buildJunitXml(outcome));
  await writeAtomic(paths.summary, buildSummaryMarkdown(outcome));
  return paths;
}

export type LatestLink =
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'file'; path: string; target: string };

/**
 * Points `reportsRoot/latest` at `runDir` with a relative symlink, replaced atomically (a temporary link
 * renamed over the old one, so `latest` always resolves). Where symlinks cannot be made (Windows without
 * the privilege, some network file systems) it writes `reportsRoot/latest.txt` holding the folder name.
 */
export async function updateLatestLink(reportsRoot: string, runDir: string): Promise<LatestLink> {
  await mkdir(reportsRoot, { recursive: true });
  const target = path.relative(path.resolve(reportsRoot), path.resolve(runDir)) || '.';
  const link = path.join(reportsRoot, 'latest');
  const temp = tempName(link);
  try {
    await symlink(target, temp, 'dir');
    await rename(temp, link);
    await rm(path.join(reportsRoot, 'latest.txt'), { force: true });
    return { kind: 'symlink', path: link, target };
  } catch {
    await rm(temp, { force: true }).catch(() => {});
    const file = path.join(reportsRoot, 'latest.txt');
    await writeAtomic(file, `${target}\n`);
    return { kind: 'file', path: file, target };
  }
}
