import { faultParams } from '../../chaos/index.ts';
import { renderKubernetesFaults } from '../../chaos/kubernetes/index.ts';
import { formatDuration } from '../core/duration.ts';
import { ExitCode } from '../core/errors.ts';
import { type FaultBackend, loadScenario, planScenario } from '../scenario/index.ts';
import { validateCommand } from './validate.ts';

/**
 * `firedrill run --dry-run`: validates the scenario, prints its plan and, per fault, what would be
 * applied; on Kubernetes the exact Chaos Mesh objects as YAML. Sends no traffic, applies nothing.
 */
export async function dryRunCommand(
  file: string,
  options: { backend: FaultBackend | undefined; allowedNamespaces: readonly string[] },
): Promise<number> {
  const scenario = await loadScenario(file, { backend: options.backend });
  const plan = planScenario(scenario);
  if (options.backend === undefined) await validateCommand(file);
  const lines: string[] = [
    '',
    `dry run: nothing is sent and nothing is applied (${plan.faults.length} faults)`,
  ];
  for (const { fault, startMs, endMs } of plan.faults) {
    lines.push(
      `  ${fault.id}: ${fault.kind} on ${fault.backend} from +${formatDuration(startMs)} to +${formatDuration(endMs)} ${JSON.stringify(faultParams(fault))}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (plan.faults.some(({ fault }) => fault.backend === 'kubernetes')) {
    // The exact objects a real run would create (refused the same way: namespace allowlist, options).
    const yaml = renderKubernetesFaults(
      plan.faults.map((f) => f.fault),
      { runId: 'dry-run', allowedNamespaces: options.allowedNamespaces },
    );
    process.stdout.write(`\n# Chaos Mesh objects (kubectl apply -f - would create these)\n${yaml}`);
  }
  return ExitCode.passed;
}
