import { type ChildProcess, spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { FiredrillError } from '../core/errors.ts';
import type { EngineSummary, TrafficWindow } from '../traffic/types.ts';
import { type K6ThresholdResult, parseK6Output, parseK6SummaryExport } from './parse-output.ts';

/** k6's documented exit codes that still mean "the test ran to its end". */
export const K6_EXIT = { ok: 0, thresholdsFailed: 99, testFailed: 110 } as const;

export const K6_INSTALL_HINT =
  'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/: e.g. `brew install k6`, the k6 .deb/.rpm from its releases, or the grafana/k6 container image) and put it on PATH, or pass k6Binary';

export interface K6EngineOptions {
  /** The k6 executable, looked up on PATH (of `env`). */
  k6Binary?: string;
  /** Script file inside scriptDir. */
  scriptFile?: string;
  /** Where k6 writes its NDJSON (default scriptDir/out.ndjson) and summary export (default scriptDir/summary-export.json). */
  outFile?: string;
  summaryFile?: string;
  /** Environment of the k6 process (default process.env); e.g. FIREDRILL_TARGET. */
  env?: NodeJS.ProcessEnv;
  /** Aborting sends k6 SIGINT (it stops, still writes its outputs), and the partial results are parsed. */
  signal?: AbortSignal;
  /** Epoch ms of traffic start for window numbering (default: the first request). */
  startAt?: number;
  /** The script's k6 executor, which decides the summary's model (arrival-rate = open). Default ramping-arrival-rate. */
  executor?: string;
  /** Each line k6 prints (stdout and stderr), e.g. for a log. Never called concurrently; do not block here. */
  onOutput?: (line: string) => void;
  /** Injected for tests (zx style); default node:child_process spawn. */
  spawn?: (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
}

export interface K6EngineResult {
  windows: TrafficWindow[];
  summary: EngineSummary;
  /** k6's exit code: 0, 99 (thresholds failed) or 110 (exec.test.fail). */
  exitCode: number;
  /** From the summary export; `false` in that file means NOT failed, see parseK6SummaryExport. */
  thresholds: K6ThresholdResult[];
  thresholdsPassed: boolean;
  outFile: string;
  summaryFile: string;
}

/**
 * Runs `k6 run --out json=<outFile> --summary-export=<summaryFile> script.js` in `scriptDir` (a folder written
 * by `firedrill export k6`), then parses the NDJSON into firedrill windows and an EngineSummary (engine "k6").
 * Throws FD_STACK_BINARY_MISSING when k6 cannot be started (with how to install it) and FD_STACK_START when it
 * exits with a code that does not mean "ran to the end" (the last lines it printed are in the message).
 */
export async function runK6Engine(scriptDir: string, options: K6EngineOptions = {}): Promise<K6EngineResult> {
  const k6 = options.k6Binary ?? 'k6';
  const dir = resolve(scriptDir);
  const at = (file: string) => (isAbsolute(file) ? file : join(dir, file));
  const outFile = at(options.outFile ?? 'out.ndjson');
  const summaryFile = at(options.summaryFile ?? 'summary-export.json');
  const args = [
    'run',
    '--out',
    `json=${outFile}`,
    '--summary-export',
    summaryFile,
    options.scriptFile ?? 'script.js',
  ];
  const spawn = options.spawn ?? nodeSpawn;
  const tail: string[] = [];
  const exitCode = await new Promise<number>((resolveExit, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(k6, args, {
        cwd: dir,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(missing(k6, error));
      return;
    }
    const onAbort = () => child.kill('SIGINT');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        options.onOutput?.(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(missing(k6, error));
    });
    child.once('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolveExit(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
  const aborted = options.signal?.aborted === true;
  const ranToEnd = (Object.values(K6_EXIT) as number[]).includes(exitCode);
  if (!ranToEnd && !aborted) {
    throw new FiredrillError('FD_STACK_START', `k6 exited with code ${exitCode}:\n  ${tail.join('\n  ')}`, {
      hint: 'run the same command by hand to see the whole output: k6 run script.js (in the export folder)',
    });
  }
  const parsed = await parseK6Output(outFile, { startAt: options.startAt, executor: options.executor });
  let thresholds: K6ThresholdResult[] = [];
  try {
    thresholds = parseK6SummaryExport(JSON.parse(await readFile(summaryFile, 'utf8'))).thresholds;
  } catch (error) {
    // An interrupted k6 may not have written its summary; a completed one always does.
    if (!aborted) throw error;
  }
  return {
    windows: parsed.windows,
    summary: parsed.summary,
    exitCode,
    thresholds,
    thresholdsPassed: exitCode !== K6_EXIT.thresholdsFailed && thresholds.every((t) => t.passed),
    outFile,
    summaryFile,
  };
}

function missing(k6: string, error: unknown): FiredrillError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why = code === 'ENOENT' ? 'not found on PATH' : code === 'EACCES' ? 'not executable' : String(error);
  return new FiredrillError('FD_STACK_BINARY_MISSING', `cannot run k6 ("${k6}"): ${why}`, {
    hint: K6_INSTALL_HINT,
    cause: error,
  });
}
