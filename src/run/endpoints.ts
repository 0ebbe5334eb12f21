import { FiredrillError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { assertTargetAllowed } from '../core/loopback.ts';
import type { JournalSink } from '../journal/index.ts';
import {
  type ComponentEvent,
  type EmbeddedStack,
  isAlive,
  readStackState,
  type StackEndpoints,
  startEmbeddedStack,
} from '../stack/index.ts';

/** Where the system under test is, as the user gave it on the command line. */
export interface StackFlags {
  /** External backends; when `prometheus` is given no embedded stack is started. */
  prometheus?: string | undefined;
  alertmanager?: string | undefined;
  target?: string | undefined;
  adminUrl?: string | undefined;
  adminToken?: string | undefined;
  webhookPort?: number | undefined;
  selfMetricsPort?: number | undefined;
}

export interface ConnectOptions extends StackFlags {
  allowHosts: readonly string[];
  /** The scenario's own target URL, if it names one. */
  scenarioTarget?: string | undefined;
  runDir: string;
  log: Logger;
  /** Where the components of an embedded stack this run starts are journaled, write-ahead. */
  journal?: JournalSink;
}

export interface ConnectedStack {
  endpoints: StackEndpoints;
  /** Present when this run started the stack and must stop it. */
  owned?: EmbeddedStack;
  /** How the stack was found, for the log. */
  origin: 'embedded' | 'up' | 'external';
}

/**
 * Finds the system under test: external backends from flags, else a stack started by `firedrill up`,
 * else a fresh embedded stack owned by this run. Every URL that load or faults will reach passes the
 * loopback safety gate first.
 */
export async function connectStack(options: ConnectOptions): Promise<ConnectedStack> {
  if (options.prometheus) {
    const target = options.target ?? options.scenarioTarget;
    if (!target) {
      throw new FiredrillError('FD_USAGE', 'with --prometheus, the target must be given too', {
        hint: 'pass --target http://127.0.0.1:PORT or set target.url in the scenario',
      });
    }
    assertTargetAllowed(target, '--target', options.allowHosts);
    const admin = options.adminUrl ?? `${target.replace(/\/$/, '')}/admin`;
    assertTargetAllowed(admin, '--admin-url', options.allowHosts);
    const webhookPort = options.webhookPort ?? 0;
    return {
      origin: 'external',
      endpoints: {
        prometheus: options.prometheus.replace(/\/$/, ''),
        alertmanager: (options.alertmanager ?? '').replace(/\/$/, ''),
        target: target.replace(/\/$/, ''),
        gpuExporter: '',
        admin,
        adminToken: options.adminToken ?? process.env.FIREDRILL_ADMIN_TOKEN ?? '',
        redis: '',
        webhookUrl: '',
        webhookPort,
        selfMetricsPort: options.selfMetricsPort ?? 0,
        embedded: false,
      },
    };
  }
  const state = await readStackState();
  if (state?.components.every((c) => isAlive(c.pid))) {
    options.log.info(
      `using the stack started by \`firedrill up\` at ${state.startedAt} (prometheus ${state.prometheus})`,
    );
    return { origin: 'up', endpoints: state };
  }
  const stack = await startEmbeddedStack({
    dir: options.runDir,
    log: options.log,
    ...(options.journal ? { onComponent: componentJournaler(options.journal) } : {}),
    ...(options.webhookPort ? { webhookPort: options.webhookPort } : {}),
  });
  return { origin: 'embedded', endpoints: stack, owned: stack };
}

/** Journals each component of the stack a run starts: `component-starting` before spawn, then its pid. */
function componentJournaler(journal: JournalSink): (event: ComponentEvent) => void {
  return (event) => {
    const at = Date.now();
    if (event.phase === 'starting') {
      const { phase: _phase, ...rest } = event;
      journal.append({ type: 'component-starting', at, ...rest });
    } else {
      const { phase: _phase, ...rest } = event;
      journal.append({ type: 'component-started', at, ...rest });
    }
  };
}
