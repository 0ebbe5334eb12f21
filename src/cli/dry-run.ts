import { faultParams } from '../../chaos/index.ts';
import {
  buildFaultObjects,
  renderCanaryFault,
  renderKubernetesFaults,
  validateChaosObject,
} from '../../chaos/kubernetes/index.ts';
import { formatDuration } from '../core/duration.ts';
import { ExitCode, FiredrillError } from '../core/errors.ts';
import { prepare } from '../run/index.ts';
import type { FaultBackend } from '../scenario/index.ts';
import { describePlan } from './validate.ts';

/**
 * `firedrill run --dry-run`: validates the scenario, prints its plan and, per fault, what would be
 * applied; on Kubernetes the exact Chaos Mesh objects as YAML. Sends no traffic, applies nothing.
 */
export async function dryRunCommand(
  file: string,
  options: { backend: FaultBackend | undefined; allowedNamespaces: readonly string[] },
): Promise<number> {
  // The same checks as `run` and `validate`, with --backend applied first (it changes every fault).
  const prepared = await prepare(file, { backend: options.backend });
  const { plan } = prepared;
  process.stdout.write(describePlan(prepared));
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
    // A dry run shows the objects even for namespaces not (yet) allowed, and says a real run would refuse.
    const namespaces = new Set(
      plan.faults.flatMap(({ fault }) =>
        fault.backend !== 'kubernetes'
          ? []
          : 'selector' in fault && fault.selector
            ? [fault.selector.namespace]
            : fault.kind === 'bad-canary' && fault.canary
              ? [fault.canary.namespace]
              : [],
      ),
    );
    const notAllowed = [...namespaces].filter((ns) => !options.allowedNamespaces.includes(ns));
    for (const ns of notAllowed) {
      process.stderr.write(
        `firedrill: warning: namespace "${ns}" is not on the allowlist: a real run would refuse these faults (pass --allow-namespace ${ns})\n`,
      );
    }
    const renderOptions = {
      runId: 'dry-run',
      allowedNamespaces: [...options.allowedNamespaces, ...notAllowed],
    };
    const faults = plan.faults.map((f) => f.fault);
    // Every object is checked against its real Chaos Mesh CRD before it is shown.
    const problems = faults
      .filter((fault) => fault.backend === 'kubernetes')
      .flatMap((fault) => buildFaultObjects(fault, renderOptions))
      .flatMap((object) =>
        validateChaosObject(object).map((p) => `${object.kind} ${object.metadata.name}: ${p}`),
      );
    if (problems.length > 0) {
      throw new FiredrillError(
        'FD_INTERNAL',
        `generated Chaos Mesh objects do not match their CRDs:\n  ${problems.join('\n  ')}`,
      );
    }
    const yaml = renderKubernetesFaults(faults, renderOptions);
    if (faults.some((fault) => fault.backend === 'kubernetes' && fault.kind !== 'bad-canary')) {
      process.stdout.write(`\n# Chaos Mesh objects (kubectl apply -f - would create these)\n${yaml}`);
    }
    // Canaries patch the user's Rollout or InferenceService (checked against its CRD before it is shown).
    for (const fault of faults) {
      if (fault.backend === 'kubernetes' && fault.kind === 'bad-canary' && fault.canary) {
        process.stdout.write(`\n${renderCanaryFault(fault, fault.canary, 'dry-run')}`);
      }
    }
  }
  return ExitCode.passed;
}
