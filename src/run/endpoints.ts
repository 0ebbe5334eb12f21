import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { FiredrillError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { assertTargetAllowed } from '../core/loopback.ts';
import {
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
  /**
   * External stack only: a file holding the secret the user's Alertmanager sends as `Authorization: Bearer`
   * (else $FIREDRILL_WEBHOOK_SECRET). The embedded and `up` stacks make their own.
   */
  webhookSecretFile?: string | undefined;
  selfMetricsPort?: number | undefined;
}

export interface ConnectOptions extends StackFlags {
  allowHosts: readonly string[];
  /** The scenario's own target URL, if it names one. */
  scenarioTarget?: string | undefined;
  runDir: string;
  log: Logger;
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
  if (options.webhookSecretFile !== undefined && !options.prometheus) {
    throw new FiredrillError(
      'FD_USAGE',
      '--webhook-secret-file applies to a stack given by --prometheus/--alertmanager',
      { hint: 'the embedded stack (and `firedrill up`) makes its own webhook secret; drop the flag' },
    );
  }
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
        webhookSecret: externalWebhookSecret(options.webhookSecretFile, process.env, options.log),
        selfMetricsPort: options.selfMetricsPort ?? 0,
        embedded: false,
      },
    };
  }
  const state = await readStackState();
  if (state?.components.every((c) => isAlive(c.pid))) {
    if (!state.webhookSecret) {
      throw new FiredrillError(
        'FD_STACK_START',
        'the stack started by `firedrill up` has no webhook secret (it was started by an older firedrill)',
        { hint: 'restart it: firedrill down && firedrill up' },
      );
    }
    options.log.info(
      `using the stack started by \`firedrill up\` at ${state.startedAt} (prometheus ${state.prometheus})`,
    );
    return { origin: 'up', endpoints: state };
  }
  const stack = await startEmbeddedStack({
    dir: options.runDir,
    log: options.log,
    ...(options.webhookPort ? { webhookPort: options.webhookPort } : {}),
  });
  return { origin: 'embedded', endpoints: stack, owned: stack };
}

/**
 * The webhook secret of an external stack: the file's content (trimmed), else $FIREDRILL_WEBHOOK_SECRET. With
 * neither, a random one nobody else knows: every notification is then refused and the run says so.
 */
export function externalWebhookSecret(file: string | undefined, env: NodeJS.ProcessEnv, log: Logger): string {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new FiredrillError(
        'FD_USAGE',
        `--webhook-secret-file: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        {
          hint: 'a file holding the secret your Alertmanager sends (http_config.authorization.credentials_file)',
        },
      );
    }
    const secret = text.trim();
    if (!secret || /\s/.test(secret)) {
      throw new FiredrillError(
        'FD_USAGE',
        `--webhook-secret-file: ${file} ${secret ? 'holds whitespace inside the secret' : 'is empty'}`,
        { hint: 'write one token without spaces, e.g. openssl rand -hex 24 > FILE; chmod 600 FILE' },
      );
    }
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      log.warn(
        `--webhook-secret-file: ${file} is readable by others (mode ${mode.toString(8)}): whoever reads it can forge alert notifications; chmod 600 ${file} (unless a container must read it)`,
      );
    }
    return secret;
  }
  const fromEnv = env.FIREDRILL_WEBHOOK_SECRET?.trim();
  if (fromEnv) return fromEnv;
  log.warn(
    'no webhook secret (--webhook-secret-file or $FIREDRILL_WEBHOOK_SECRET): every Alertmanager notification will be refused (401) and counted; configure its webhook_config with http_config.authorization (see the README, Trust)',
  );
  return randomBytes(24).toString('hex');
}
