import { ExitCode } from '../core/errors.ts';
import { exportK6, exportK6Operator, type K6AtRate, type K6Export } from '../k6/index.ts';
import { prepare } from '../run/index.ts';
import type { PreparedScenario } from '../scenario/index.ts';
import { type ExportFlags, parseExportFlags } from './flags.ts';
import { exportHelp } from './help.ts';

/**
 * `firedrill export k6 <scenario.ts> [--out DIR]` and
 * `firedrill export k6-operator <scenario.ts> --parallelism N [--namespace NS] [--out DIR]`; with
 * `--at-capacity <capacity.json | folder> [--configuration N] [--duration D]`, the scenario's traffic as one
 * constant arrival rate at that search's SLO capacity, its SLO as the thresholds.
 */
export async function exportCommand(args: string[]): Promise<number> {
  const flags = parseExportFlags(args);
  if (flags.help) {
    process.stdout.write(`${exportHelp}\n`);
    return ExitCode.passed;
  }
  const { format, scenarioFile: file } = flags;
  const prepared = await prepare(file);
  const atRate = flags.atCapacity === undefined ? undefined : await capacityRate(prepared, flags);
  const common = { targetUrl: flags.target, maxPayloads: flags.maxPayloads, atRate: atRate?.atRate };
  const result: K6Export =
    format === 'k6'
      ? await exportK6(prepared, { ...common, outDir: flags.out })
      : await exportK6Operator(prepared, {
          ...common,
          outDir: flags.out,
          // parseExportFlags requires --parallelism for k6-operator.
          parallelism: flags.parallelism ?? 1,
          namespace: flags.namespace,
          resultsClaim: flags.resultsClaim,
        });
  for (const warning of [...(atRate?.warnings ?? []), ...result.warnings]) {
    process.stderr.write(`warning: ${warning}\n`);
  }
  const lines = [
    `exported "${result.plan.scenario.name}" for ${format}: ${result.payloads.bodies.length} payloads, ${result.script.thresholds.length} thresholds`,
    ...(atRate
      ? [`  at ${atRate.atRate.rate}/s for ${flags.durationMs / 1000}s: ${atRate.atRate.source}`]
      : []),
    ...result.files.map((f) => `  ${f}`),
    format === 'k6'
      ? 'run: k6 run --out json=out.ndjson script.js   (in that folder; FIREDRILL_TARGET=URL to override the target)'
      : 'apply: kubectl apply -f k6-operator.yaml   (the results PersistentVolumeClaim must exist, see src/k6/README.md)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.passed;
}

/** The rate, SLO and warnings of `--at-capacity` (read through capacity.json's schema). */
async function capacityRate(
  prepared: PreparedScenario,
  flags: ExportFlags,
): Promise<{ atRate: K6AtRate; warnings: string[] }> {
  const { capacityPoint, readCapacityJson } = await import('../capacity/index.ts');
  const read = await readCapacityJson(flags.atCapacity ?? '');
  const point = capacityPoint(read, prepared.scenario.name, flags.configuration);
  return {
    atRate: {
      rate: point.rate,
      durationMs: flags.durationMs,
      slo: point.slo,
      source: `the SLO capacity of configuration ${point.configuration} (${point.label}) in ${read.file}`,
    },
    warnings: point.warnings,
  };
}
