import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FiredrillError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { assertTargetAllowed } from '../core/loopback.ts';
import type { JournalSink } from '../journal/index.ts';
import type { Scenario } from '../scenario/index.ts';
import {
  type ComponentEvent,
  checkRuleFiles,
  type EmbeddedStack,
  isAlive,
  type ReadinessProbe,
  readinessProbe,
  readStackState,
  resolveRuleFiles,
  type StackEndpoints,
  type StackListeners,
  scrapeTargetOf,
  startEmbeddedStack,
  waitTargetReady,
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
  /** The address firedrill's webhook receiver and metrics listen on (default 127.0.0.1). */
  listenHost?: string | undefined;
  /** Alert rules (file or folder) for a target the user named; overrides the scenario's `rules`. */
  rules?: string | undefined;
}

export interface ConnectOptions extends StackFlags {
  allowHosts: readonly string[];
  /** The scenario's target (its `url` if it names one, protocol, metrics, readiness) and rules. */
  scenario: Pick<Scenario, 'target' | 'rules' | 'faults'>;
  /** The scenario file: its `rules` path is relative to the file's folder. */
  scenarioFile: string;
  runDir: string;
  signal?: AbortSignal | undefined;
  log: Logger;
  /** Where the components of an embedded stack this run starts are journaled, write-ahead. */
  journal?: JournalSink;
}

export interface ConnectedStack {
  endpoints: StackEndpoints;
  /** Present when this run started the stack and must stop it. */
  owned?: EmbeddedStack;
  /**
   * The ports this process's stack holds for its runs (see StackListeners): a run borrows them instead of
   * listening. Present with `owned`, and on a stack a suite lends its runs.
   */
  listeners?: StackListeners;
  /**
   * How the stack was found: the fixture stack started for this run, one started by `firedrill up`,
   * backends given by flags, or the embedded monitoring stack around a server the user named.
   */
  origin: 'embedded' | 'up' | 'external' | 'monitor';
}

/** Scrape job names the monitoring stack uses itself; a user's job must not take one. */
const reservedJobs = ['prometheus', 'alertmanager', 'firedrill'];

/**
 * Finds the system under test, in this order: external backends from flags (`--prometheus`); else a server
 * the user named (`--target` or the scenario's `target.url`), which must answer its readiness probe, watched
 * by an embedded monitoring stack with the user's rules; else a stack started by `firedrill up`; else a
 * fresh fixture stack owned by this run. A named target is never replaced by the fixture. Every URL that
 * load or faults will reach passes the loopback safety gate first.
 */
export async function connectStack(options: ConnectOptions): Promise<ConnectedStack> {
  if (options.webhookSecretFile !== undefined && !options.prometheus) {
    throw new FiredrillError(
      'FD_USAGE',
      '--webhook-secret-file applies to a stack given by --prometheus/--alertmanager',
      { hint: 'the embedded stack (and `firedrill up`) makes its own webhook secret; drop the flag' },
    );
  }
  const rulesFlag = options.rules;
  if (options.prometheus && rulesFlag !== undefined) {
    throw new FiredrillError(
      'FD_USAGE',
      '--rules applies to the embedded monitoring stack, not to --prometheus',
      {
        hint: 'your Prometheus loads its own rules; drop --rules, or drop --prometheus to let firedrill monitor the target',
      },
    );
  }
  if (options.prometheus) {
    const target = options.target ?? options.scenario.target.url;
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
  const named = options.target ?? options.scenario.target.url;
  const state = await readStackState();
  const upStack = state?.components.every((c) => isAlive(c.pid)) ? state : undefined;
  if (named !== undefined && !(upStack && sameUrl(named, upStack.target))) {
    return await monitorNamedTarget(named, options);
  }
  const rules = userRules(options);
  if (upStack && rules) {
    throw new FiredrillError(
      'FD_USAGE',
      `${rules.origin}: the stack started by \`firedrill up\` runs the fixture's rules and cannot load others`,
      {
        hint: 'stop it with `firedrill down` (each run then starts a stack with your rules), or drop the rules',
      },
    );
  }
  if (upStack) {
    if (!upStack.webhookSecret) {
      throw new FiredrillError(
        'FD_STACK_START',
        'the stack started by `firedrill up` has no webhook secret (it was started by an older firedrill)',
        { hint: 'restart it: firedrill down && firedrill up' },
      );
    }
    options.log.info(
      `using the stack started by \`firedrill up\` at ${upStack.startedAt} (prometheus ${upStack.prometheus})`,
    );
    return { origin: 'up', endpoints: upStack };
  }
  // The fixture with other rules (a rule change under test, say): checked like a user's rules.
  const ruleFiles = rules ? await checkedRuleFiles(rules) : undefined;
  const stack = await startEmbeddedStack({
    dir: options.runDir,
    log: options.log,
    ...(options.journal ? { onComponent: componentJournaler(options.journal) } : {}),
    ...(options.webhookPort ? { webhookPort: options.webhookPort } : {}),
    ...(options.listenHost ? { listenHost: options.listenHost } : {}),
    ...(ruleFiles ? { ruleFiles } : {}),
  });
  return { origin: 'embedded', endpoints: stack, owned: stack, ...heldBy(stack) };
}

/**
 * The embedded monitoring stack around a server the user runs: readiness first (exit 3 before anything
 * starts when it does not answer), then the user's rules checked with promtool, then Prometheus (scraping
 * the target's metrics) and Alertmanager.
 */
async function monitorNamedTarget(named: string, options: ConnectOptions): Promise<ConnectedStack> {
  const origin = options.target !== undefined ? '--target' : `${options.scenarioFile}: target.url`;
  assertTargetAllowed(named, origin, options.allowHosts);
  const target = named.replace(/\/$/, '');
  const refused = faultsNeedingFixture(options.scenario.faults);
  if (refused.length > 0) {
    throw new FiredrillError(
      'FD_USAGE',
      `${target} is your own model server (${origin}), and these faults act through the fixture model server's admin API or firedrill's local process supervisors, which it does not have:\n${refused.map((r) => `  ${options.scenarioFile}: faults[${r.index}] (${r.id}, ${r.kind} on local): ${r.alternative}`).join('\n')}`,
      {
        hint: 'run those faults with backend "docker" or "kubernetes" against your deployment (--backend sets it for all), or drop target.url/--target to game-day the fixture',
      },
    );
  }
  const scrape = scrapeTargetOf(target, options.scenario.target.metrics);
  if (reservedJobs.includes(scrape.job)) {
    throw new FiredrillError(
      'FD_USAGE',
      `${options.scenarioFile}: target.metrics.job "${scrape.job}" is a scrape job of firedrill's monitoring stack`,
      { hint: `name the job as your rules select it, other than ${reservedJobs.join(', ')}` },
    );
  }
  assertTargetAllowed(`http://${scrape.hostPort}${scrape.path}`, 'target.metrics', options.allowHosts);
  const rules = userRules(options);
  if (rules === undefined) {
    throw new FiredrillError(
      'FD_USAGE',
      `${target} is your own model server (${origin}), and firedrill has no alert rules for it: the fixture's rules watch the fixture's metric names`,
      {
        hint: 'give the rules that watch your server: --rules DIR, or rules: "path/to/rules" in the scenario (or --prometheus URL to use your own Prometheus)',
      },
    );
  }
  const probe = readinessProbe(target, options.scenario.target);
  options.log.info(`target: ${target} (${origin}); waiting for ${probe.describe}`);
  await waitTargetReady(probe, options.signal);
  const ruleFiles = await checkedRuleFiles(rules);
  options.log.info(
    `stack: monitoring ${target} (metrics ${scrape.hostPort}${scrape.path}, job ${scrape.job}) with ${ruleFiles.length} rule file${ruleFiles.length === 1 ? '' : 's'}`,
  );
  const stack = await startEmbeddedStack({
    dir: options.runDir,
    log: options.log,
    ...(options.webhookPort ? { webhookPort: options.webhookPort } : {}),
    ...(options.listenHost ? { listenHost: options.listenHost } : {}),
    monitor: { url: target, scrape, ruleFiles },
    ...(options.journal ? { onComponent: componentJournaler(options.journal) } : {}),
  });
  return { origin: 'monitor', endpoints: stack, owned: stack, ...heldBy(stack) };
}

function heldBy(stack: EmbeddedStack): Pick<ConnectedStack, 'listeners'> {
  return stack.listeners ? { listeners: stack.listeners } : {};
}

/**
 * The readiness probe of the stack's target: the fixture's own (which also checks its feature store), or
 * the protocol's probe (or `target.readiness`) for a server the user named.
 */
export function targetProbe(connected: ConnectedStack, target: Scenario['target']): ReadinessProbe {
  const fixture = connected.origin === 'embedded' || connected.origin === 'up';
  return fixture
    ? readinessProbe(connected.endpoints.target, {
        protocol: 'kserve-v2',
        model: target.model,
        readiness: undefined,
      })
    : readinessProbe(connected.endpoints.target, target);
}

/** Local fault kinds that need only this machine (no fixture admin API, no supervisor, no proxy). */
const hostOnlyLocalFaults: ReadonlySet<string> = new Set(['cpu-stress', 'memory-stress']);

/**
 * The faults of a scenario that the local backend can only do to the fixture stack (its admin API, its
 * supervisors, its feature-store proxy, its simulated GPU), each with the backends that can do it to a
 * server firedrill does not own. Pure.
 */
export function faultsNeedingFixture(
  faults: Scenario['faults'],
): Array<{ index: number; id: string; kind: string; alternative: string }> {
  return faults.flatMap((fault, index) => {
    if (fault.backend !== 'local' || hostOnlyLocalFaults.has(fault.kind)) return [];
    const alternative =
      fault.kind === 'latency-spike' || fault.kind === 'error-burst'
        ? 'use http-fault (delay or abort) on backend "docker" or "kubernetes"'
        : fault.kind === 'gpu-throttle'
          ? 'use gpu-throttle on backend "kubernetes" (a real GPU node)'
          : `use ${fault.kind} on backend "docker" or "kubernetes"`;
    return [{ index, id: fault.id, kind: fault.kind, alternative }];
  });
}

/** The rules the user gave: `--rules` (relative to the working directory) or the scenario's `rules`. */
function userRules(options: ConnectOptions): { path: string; origin: string } | undefined {
  if (options.rules !== undefined) return { path: resolve(options.rules), origin: '--rules' };
  if (options.scenario.rules === undefined) return undefined;
  return {
    path: resolve(dirname(resolve(options.scenarioFile)), options.scenario.rules),
    origin: `${options.scenarioFile}: rules`,
  };
}

async function checkedRuleFiles(rules: { path: string; origin: string }): Promise<string[]> {
  const files = await resolveRuleFiles(rules.path, rules.origin);
  await checkRuleFiles(files);
  return files;
}

function sameUrl(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.host === y.host && x.pathname.replace(/\/$/, '') === y.pathname.replace(/\/$/, '');
  } catch {
    return false;
  }
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
