/**
 * With read.ts, the only part of src/report that touches the file system. events.ndjson is written incrementally by
 * the runner (write-ahead); this writes the reports derived from the finished outcome.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JournalEvent } from '../journal/events.ts';
import { type FileReporter, fileReporters } from './reporters.ts';
import type { RunOutcome } from './types.ts';
import { buildRunView } from './view.ts';

export interface WrittenReports {
  runJson: string;
  junit: string;
  summary: string;
  html: string;
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
 * Renders every file reporter over one view of `outcome` into `dir` (created if missing): run.json,
 * junit.xml, summary.md and report.html by default. Returns the paths of the four. `events` is the journal as read
 * back, for reporters that need the raw event stream (none yet); pass null when it is not at hand.
 */
export async function writeReports(
  dir: string,
  outcome: RunOutcome,
  _events: readonly JournalEvent[] | null,
  reporters: readonly FileReporter[] = fileReporters,
): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const view = buildRunView(outcome);
  for (const reporter of reporters) await writeAtomic(path.join(dir, reporter.file), reporter.render(view));
  return {
    runJson: path.join(dir, 'run.json'),
    junit: path.join(dir, 'junit.xml'),
    summary: path.join(dir, 'summary.md'),
    html: path.join(dir, 'report.html'),
  };
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
