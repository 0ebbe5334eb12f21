import { parseArgs } from 'node:util';
import { ExitCode, FiredrillError, formatError } from '../core/errors.ts';
import { exportK6, exportK6Operator, type K6Export } from '../k6/index.ts';
import { prepare } from '../run/index.ts';
import { exportHelp } from './help.ts';

/**
 * `firedrill export k6 <scenario.ts> [--out DIR]` and
 * `firedrill export k6-operator <scenario.ts> --parallelism N [--namespace NS] [--out DIR]`.
 */
export async function exportCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseExportArgs>;
  try {
    parsed = parseExportArgs(args);
  } catch (error) {
    throw new FiredrillError('FD_USAGE', formatError(error), { hint: 'firedrill export --help' });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${exportHelp}\n`);
    return ExitCode.passed;
  }
  const [format, file, ...extra] = positionals;
  if (format !== 'k6' && format !== 'k6-operator') {
    throw new FiredrillError(
      'FD_USAGE',
      format === undefined ? 'firedrill export needs a format' : `unknown export format "${format}"`,
      {
        hint: 'firedrill export k6 <scenario.ts> or firedrill export k6-operator <scenario.ts> --parallelism N',
      },
    );
  }
  if (file === undefined || extra.length > 0) {
    throw new FiredrillError('FD_USAGE', `firedrill export ${format} takes one scenario file`, {
      hint: `firedrill export ${format} scenarios/latency-spike.ts`,
    });
  }
  const maxPayloads =
    values['max-payloads'] === undefined ? undefined : wholeNumber(values['max-payloads'], '--max-payloads');
  const common = { targetUrl: values.target, maxPayloads };
  let result: K6Export;
  if (format === 'k6') {
    if (values.parallelism !== undefined || values.namespace !== undefined) {
      throw new FiredrillError('FD_USAGE', '--parallelism and --namespace are for `export k6-operator`');
    }
    result = await exportK6(await prepare(file), { ...common, outDir: values.out ?? 'k6' });
  } else {
    if (values.parallelism === undefined) {
      throw new FiredrillError('FD_USAGE', 'firedrill export k6-operator needs --parallelism N', {
        hint: 'the number of k6 runner pods, e.g. --parallelism 4',
      });
    }
    result = await exportK6Operator(await prepare(file), {
      ...common,
      outDir: values.out ?? 'k6',
      parallelism: wholeNumber(values.parallelism, '--parallelism'),
      namespace: values.namespace ?? 'default',
      resultsClaim: values['results-pvc'],
    });
  }
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  const lines = [
    `exported "${result.plan.scenario.name}" for ${format}: ${result.payloads.bodies.length} payloads, ${result.script.thresholds.length} thresholds`,
    ...result.files.map((f) => `  ${f}`),
    format === 'k6'
      ? 'run: k6 run --out json=out.ndjson script.js   (in that folder; FIREDRILL_TARGET=URL to override the target)'
      : 'apply: kubectl apply -f k6-operator.yaml   (the results PersistentVolumeClaim must exist, see src/k6/README.md)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.passed;
}

function wholeNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new FiredrillError('FD_USAGE', `${flag}: "${text}" is not a whole number ≥ 1`);
  }
  return n;
}

function parseExportArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      target: { type: 'string' },
      'max-payloads': { type: 'string' },
      parallelism: { type: 'string' },
      namespace: { type: 'string' },
      'results-pvc': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
