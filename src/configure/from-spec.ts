import type { KubeClientOptions } from '../../chaos/kubernetes/index.ts';
import { commandConfigurator } from './command.ts';
import { kubernetesConfigurator } from './kubernetes.ts';
import type { ConfiguratorSpec } from './spec.ts';
import { tritonConfigurator } from './triton.ts';
import type { Configurator } from './types.ts';

/**
 * The configurator a spec describes (how `firedrill recover` rebuilds one from the journal). `allowHosts`
 * is the `--allow-host` list for a Triton that is not on loopback; `kube` the Kubernetes client options
 * (default: the kubeconfig kubectl would use).
 */
export function configuratorFromSpec(
  spec: ConfiguratorSpec,
  options: { allowHosts?: readonly string[]; kube?: KubeClientOptions } = {},
): Configurator {
  switch (spec.kind) {
    case 'triton':
      return tritonConfigurator(spec, options);
    case 'command':
      return commandConfigurator(spec);
    case 'kubernetes':
      return kubernetesConfigurator(spec, options.kube ?? {});
    default: {
      const unknown: never = spec;
      throw new Error(`no configurator for ${JSON.stringify(unknown)}`);
    }
  }
}
