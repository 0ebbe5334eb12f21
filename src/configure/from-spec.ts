import { commandConfigurator } from './command.ts';
import type { ConfiguratorSpec } from './spec.ts';
import { tritonConfigurator } from './triton.ts';
import type { Configurator } from './types.ts';

/**
 * The configurator a spec describes (how `firedrill recover` rebuilds one from the journal). `allowHosts`
 * is the `--allow-host` list for a Triton that is not on loopback.
 */
export function configuratorFromSpec(
  spec: ConfiguratorSpec,
  options: { allowHosts?: readonly string[] } = {},
): Configurator {
  switch (spec.kind) {
    case 'triton':
      return tritonConfigurator(spec, options);
    case 'command':
      return commandConfigurator(spec);
    case 'kubernetes':
      throw new Error('kubernetes configurator: not built yet');
    default: {
      const unknown: never = spec;
      throw new Error(`no configurator for ${JSON.stringify(unknown)}`);
    }
  }
}
