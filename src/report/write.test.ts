import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildJunitXml,
  buildRunJson,
  buildSummaryMarkdown,
  updateLatestLink,
  writeReports,
} from './index.ts';
import { sampleOutcome } from './testing.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'firedrill-report-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeReports', () => {
  it('writes run.json, junit.xml, summary.md and report.html into a new run folder', async () => {
    const dir = path.join(root, 'reports', 'run-1');
    const outcome = sampleOutcome();
    const written = await writeReports(dir, outcome, null);
    expect(written).toEqual({
      runJson: path.join(dir, 'run.json'),
      junit: path.join(dir, 'junit.xml'),
      summary: path.join(dir, 'summary.md'),
      html: path.join(dir, 'report.html'),
    });
    const runJson = await readFile(written.runJson, 'utf8');
    expect(runJson).toBe(`${JSON.stringify(buildRunJson(outcome), null, 2)}\n`);
    expect(runJson.split('\n')[1]).toBe('  "schemaVersion": 1,');
    expect(await readFile(written.junit, 'utf8')).toBe(buildJunitXml(outcome));
    expect(await readFile(written.summary, 'utf8')).toBe(buildSummaryMarkdown(outcome));
    // nothing else: no temp files left behind, no events.ndjson (the runner writes that)
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.html', 'run.json', 'summary.md']);
  });
});

describe('updateLatestLink', () => {
  it('points reports/latest at the run folder with a relative link, and moves it on the next run', async () => {
    const reports = path.join(root, 'reports');
    const first = path.join(reports, 'run-1');
    const second = path.join(reports, 'run-2');
    await mkdir(first, { recursive: true });
    await mkdir(second, { recursive: true });

    const a = await updateLatestLink(reports, first);
    expect(a).toEqual({ kind: 'symlink', path: path.join(reports, 'latest'), target: 'run-1' });
    expect((await lstat(path.join(reports, 'latest'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(reports, 'latest'))).toBe('run-1');
    expect(await realpath(path.join(reports, 'latest'))).toBe(await realpath(first));

    await writeReports(second, sampleOutcome(), []);
    await updateLatestLink(reports, second);
    expect(await realpath(path.join(reports, 'latest'))).toBe(await realpath(second));
    expect(JSON.parse(await readFile(path.join(reports, 'latest', 'run.json'), 'utf8')).schemaVersion).toBe(
      1,
    );
    expect((await readdir(reports)).sort()).toEqual(['latest', 'run-1', 'run-2']);
  });

  it('falls back to latest.txt when a link cannot be made', async () => {
    const reports = path.join(root, 'reports');
    const run = path.join(reports, 'run-1');
    await mkdir(run, { recursive: true });
    // a real directory named latest cannot be replaced by renaming a link over it
    await mkdir(path.join(reports, 'latest', 'keep'), { recursive: true });
    const result = await updateLatestLink(reports, run);
    expect(result).toEqual({ kind: 'file', path: path.join(reports, 'latest.txt'), target: 'run-1' });
    expect(await readFile(path.join(reports, 'latest.txt'), 'utf8')).toBe('run-1\n');
    expect((await readdir(reports)).sort()).toEqual(['latest', 'latest.txt', 'run-1']);
  });
});
