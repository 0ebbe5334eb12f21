/**
 * Checks the fixture's alert rules with promtool:
 *   1. `promtool check rules` on every file in fixtures/prometheus/rules/;
 *   2. `promtool test rules` on every fixtures/prometheus/tests/*.test.yml;
 *   3. coverage: every alerting rule has at least one test case where it fires and one where it must not.
 * Prints each result; exit 0 when all pass, 1 on any failure, 3 when promtool is not installed.
 *
 * Run: node --import tsx scripts/promtool-test.ts   (binary: $FIREDRILL_PROMTOOL, else `promtool` on PATH)
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RULES_DIR = join(ROOT, 'fixtures/prometheus/rules');
const TESTS_DIR = join(ROOT, 'fixtures/prometheus/tests');

interface RunResult {
  ok: boolean;
  output: string;
  missing: boolean;
}

function run(binary: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(binary, args, { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ ok: error === null, output, missing });
    });
  });
}

async function filesIn(dir: string, pattern: RegExp): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => join(dir, n));
}

interface RuleGroupFile {
  groups?: { name: string; rules?: { alert?: string }[] }[];
}
interface TestFile {
  tests?: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

/** Alert names that lack a firing case or a non-firing case in the test files. */
export async function coverageGaps(
  ruleFiles: readonly string[],
  testFiles: readonly string[],
): Promise<string[]> {
  const alerts = new Set<string>();
  for (const file of ruleFiles) {
    const doc = parse(await readFile(file, 'utf8')) as RuleGroupFile;
    for (const group of doc.groups ?? [])
      for (const rule of group.rules ?? []) if (rule.alert) alerts.add(rule.alert);
  }
  const firing = new Set<string>();
  const silent = new Set<string>();
  for (const file of testFiles) {
    const doc = parse(await readFile(file, 'utf8')) as TestFile;
    for (const test of doc.tests ?? []) {
      for (const check of test.alert_rule_test ?? []) {
        ((check.exp_alerts ?? []).length > 0 ? firing : silent).add(check.alertname);
      }
    }
  }
  const gaps: string[] = [];
  for (const alert of [...alerts].sort()) {
    if (!firing.has(alert)) gaps.push(`${alert}: no test case where it fires`);
    if (!silent.has(alert)) gaps.push(`${alert}: no test case where it must stay silent`);
  }
  return gaps;
}

async function main(): Promise<number> {
  const promtool = process.env.FIREDRILL_PROMTOOL || 'promtool';
  const ruleFiles = await filesIn(RULES_DIR, /\.ya?ml$/);
  const testFiles = await filesIn(TESTS_DIR, /\.test\.ya?ml$/);
  if (ruleFiles.length === 0) {
    console.error(`no rule files in ${relative(ROOT, RULES_DIR)}`);
    return 1;
  }
  let failures = 0;
  const report = (ok: boolean, what: string, output: string) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok || process.env.FIREDRILL_DEBUG) console.log(output.replace(/^/gm, '     '));
    if (!ok) failures++;
  };

  for (const file of ruleFiles) {
    const result = await run(promtool, ['check', 'rules', file]);
    if (result.missing) {
      console.error(
        `promtool not found ("${promtool}"). Install the Debian/Ubuntu package "prometheus" ` +
          '(sudo apt-get install prometheus) or run `npm run setup`; or point FIREDRILL_PROMTOOL at the binary.',
      );
      return 3;
    }
    report(result.ok, `promtool check rules ${relative(ROOT, file)}`, result.output);
  }
  for (const file of testFiles) {
    const result = await run(promtool, ['test', 'rules', file]);
    report(result.ok, `promtool test rules ${relative(ROOT, file)}`, result.output);
  }
  const gaps = await coverageGaps(ruleFiles, testFiles);
  report(gaps.length === 0, 'every alert has a firing and a silent test case', gaps.join('\n'));

  console.log(
    failures === 0
      ? `all passed: ${ruleFiles.length} rule files, ${testFiles.length} test files`
      : `${failures} check(s) failed`,
  );
  return failures === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
