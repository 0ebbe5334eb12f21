import type { KubeClientOptions } from '../../chaos/kubernetes/index.ts';
import { FiredrillError } from '../core/errors.ts';
import { commandConfigurator } from './command.ts';
import { fixtureConfigurator } from './fixture.ts';
import { kubernetesConfigurator } from './kubernetes.ts';
import type { ConfiguratorSpec } from './spec.ts';
import { tritonConfigurator } from './triton.ts';
import type { Configurator } from './types.ts';

/**
 * The configurator a spec describes (how `firedrill recover` rebuilds one from the journal). `allowHosts`
 * is the `--allow-host` list for a Triton that is not on loopback; `kube` the Kubernetes client options
 * (default: the kubeconfig kubectl would use); `adminToken` the fixture's admin token (a spec holds none).
 */
export function configuratorFromSpec(
  spec: ConfiguratorSpec,
  options: { allowHosts?: readonly string[]; kube?: KubeClientOptions; adminToken?: string } = {},
): Configurator {
  switch (spec.kind) {
    case 'fixture':
      if (options.adminToken === undefined) {
        throw new FiredrillError('FD_USAGE', `no admin token for the fixture batcher at ${spec.url}`, {
          hint: 'the stack control file or FIREDRILL_ADMIN_TOKEN holds it',
        });
      }
      return fixtureConfigurator({ url: spec.url, token: options.adminToken });
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
