import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFiredrillError } from '../../src/core/errors.ts';
import { runK6Engine } from '../../src/k6/index.ts';
import { root } from './helpers.ts';

// runK6Engine spawns `k6` from PATH. No k6 binary here: a fake `k6` on PATH records its arguments and writes
// the REAL k6 v0.48 output (src/k6/testdata) where `--out json=` and `--summary-export` point, then exits with
// $FAKE_K6_EXIT.

const testdata = join(root, 'src/k6/testdata');
const fakeK6 = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.writeFileSync('args.json', JSON.stringify({ args, cwd: process.cwd() }));
const out = args[args.indexOf('--out') + 1].replace(/^json=/, '');
const summary = args[args.indexOf('--summary-export') + 1];
const thresholdsFailed = process.env.FAKE_K6_EXIT === '99';
fs.copyFileSync(${JSON.stringify(join(testdata, 'out.ndjson'))}, out);
const exported = JSON.parse(fs.readFileSync(${JSON.stringify(join(testdata, 'summary-export.json'))}, 'utf8'));
if (thresholdsFailed) exported.metrics.http_req_duration.thresholds['p(99)<500'] = true;
fs.writeFileSync(summary, JSON.stringify(exported));
process.stderr.write('fake k6 finished\\n');
process.exit(Number(process.env.FAKE_K6_EXIT ?? 0));
`;

let bin: string;
let scriptDir: string;
const env = (exit: number) => ({
  ...process.env,
  PATH: `${bin}${delimiter}${process.env.PATH}`,
  FAKE_K6_EXIT: String(exit),
});

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'firedrill-fake-k6-'));
  scriptDir = await mkdtemp(join(tmpdir(), 'firedrill-k6-run-'));
  await writeFile(join(bin, 'k6'), fakeK6);
  await chmod(join(bin, 'k6'), 0o755);
  await writeFile(join(scriptDir, 'script.js'), 'export default function () {}\n');
});

afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
  await rm(scriptDir, { recursive: true, force: true });
});

describe('runK6Engine', () => {
  it('runs `k6 run --out json=... script.js` in the script folder and parses its output', async () => {
    const lines: string[] = [];
    const result = await runK6Engine(scriptDir, { env: env(0), onOutput: (l) => lines.push(l) });
    const { args, cwd } = JSON.parse(await readFile(join(scriptDir, 'args.json'), 'utf8'));
    expect(args).toEqual([
      'run',
      '--out',
      `json=${join(scriptDir, 'out.ndjson')}`,
      '--summary-export',
      join(scriptDir, 'summary-export.json'),
      'script.js',
    ]);
    expect(cwd).toBe(scriptDir);
    expect(lines).toEqual(['fake k6 finished']);
    expect(result.exitCode).toBe(0);
    expect(result.summary).toMatchObject({ engine: 'k6', model: 'open', sent: 44, errors: 0, dropped: 0 });
    expect(result.windows.reduce((n, w) => n + w.sent, 0)).toBe(44);
    expect(result.thresholdsPassed).toBe(true);
    expect(result.thresholds).toHaveLength(2);
  });

  it('says closed for the output of a closed-model export (a VU executor)', async () => {
    const result = await runK6Engine(scriptDir, { env: env(0), executor: 'ramping-vus' });
    expect(result.summary).toMatchObject({ engine: 'k6', model: 'closed', sent: 44 });
  });

  it('reports failed thresholds (k6 exit 99) as a completed run', async () => {
    const result = await runK6Engine(scriptDir, { env: env(99) });
    expect(result.exitCode).toBe(99);
    expect(result.thresholdsPassed).toBe(false);
    expect(result.thresholds.find((t) => t.expression === 'p(99)<500')?.passed).toBe(false);
    expect(result.summary.sent).toBe(44);
  });

  it('fails with FD_STACK_START and k6 last words on another exit code', async () => {
    const error = await runK6Engine(scriptDir, { env: env(107) }).catch((e: unknown) => e);
    expect(isFiredrillError(error) && error.code).toBe('FD_STACK_START');
    expect((error as Error).message).toContain('code 107');
    expect((error as Error).message).toContain('fake k6 finished');
  });

  it('names how to install k6 when it is not on PATH', async () => {
    const error = await runK6Engine(scriptDir, {
      env: { ...process.env, PATH: bin },
      k6Binary: 'k6-not-installed',
    }).catch((e: unknown) => e);
    expect(isFiredrillError(error) && error.code).toBe('FD_STACK_BINARY_MISSING');
    expect((error as Error).message).toContain('not found on PATH');
    expect(isFiredrillError(error) && error.hint).toContain('install k6');
  });
});
