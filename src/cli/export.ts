import { ExitCode } from '../core/errors.ts';
import { exportK6, exportK6Operator, type K6Export } from '../k6/index.ts';
import { prepare } from '../run/index.ts';
import { parseExportFlags } from './flags.ts';
import { exportHelp } from './help.ts';

/**
 * `firedrill export k6 <scenario.ts> [--out DIR]` and
 * `firedrill export k6-operator <scenario.ts> --parallelism N [--namespace NS] [--out DIR]`.
 */
export async function exportCommand(args: string[]): Promise<number> {
  const flags = parseExportFlags(args);
  if (flags.help) {
    process.stdout.write(`${exportHelp}\n`);
    return ExitCode.passed;
  }
  const { format, scenarioFile: file } = flags;
  const common = { targetUrl: flags.target, maxPayloads: flags.maxPayloads };
  const result: K6Export =
    format === 'k6'
      ? await exportK6(await prepare(file), { ...common, outDir: flags.out })
      : await exportK6Operator(await prepare(file), {
          ...common,
          outDir: flags.out,
          // parseExportFlags requires --parallelism for k6-operator.
          parallelism: flags.parallelism ?? 1,
          namespace: flags.namespace,
          resultsClaim: flags.resultsClaim,
        });
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
