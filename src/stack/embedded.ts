import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FiredrillError } from '../core/errors.ts';
import { type HeldListener, holdListener } from '../core/held-listener.ts';
import type { Logger } from '../core/log.ts';
import { requireBinary } from './binaries.ts';
import { type Component, type ComponentSpec, ComponentStartError, startComponent } from './component.ts';
import {
  type ControlEndpoint,
  removePrivateFiles,
  type SupervisedComponent,
  writePrivateFile,
  writeStackControl,
} from './control.ts';
import type { ComponentEvent } from './identity.ts';
import { freePort } from './ports.ts';
import { httpReady, redisReady } from './probes.ts';
import { renderTemplate } from './render.ts';
import type { ScrapeTarget } from './target.ts';

/** The project root (where fixtures/ lives), independent of the working directory. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where a running stack is: URLs and the fixture's admin credentials. Serialisable. */
export interface StackEndpoints {
  prometheus: string;
  alertmanager: string;
  /** Model server base URL (inference, health, metrics). */
  target: string;
  /** The model server's simulated GPU, DCGM-exporter style (Prometheus job `dcgm-exporter`). */
  gpuExporter: string;
  /** Model server admin API base URL and its bearer token (fault control). */
  admin: string;
  adminToken: string;
  redis: string;
  /** Where Alertmanager sends webhooks: firedrill must listen here. */
  webhookUrl: string;
  webhookPort: number;
  /**
   * The webhook secret: Alertmanager sends it as `Authorization: Bearer <secret>`, and firedrill's receiver
   * refuses (401) any notification without it. Per stack (a run-owned stack: per run).
   */
  webhookSecret: string;
  /** Embedded stack only: the 0600 file Alertmanager reads the secret from (`credentials_file`). */
  webhookSecretFile?: string;
  /** Port firedrill serves its own metrics on during a run (Prometheus job `firedrill`); 0 = any. */
  selfMetricsPort: number;
  embedded: boolean;
  /**
   * Embedded stack only: the process supervisors the model server and Redis run under (pod-kill,
   * pod-failure, container-kill), with their control tokens.
   */
  supervisors?: Record<SupervisedComponent, ControlEndpoint>;
  /**
   * Embedded stack only: the TCP fault proxy between the model server and Redis (feature-store-outage):
   * `url` is what the model server connects to (redis://…), `control` its control API.
   */
  featureStoreProxy?: { url: string; control: ControlEndpoint };
  /** Embedded stack only: the control file (0600) recovery reads tokens from; see control.ts. */
  controlFile?: string;
  /** True when the embedded stack monitors a server the user runs (no fixture, no Redis). */
  monitoring?: boolean;
}

/**
 * The ports a stack held by this process keeps open for its runs, from its start to its stop, lent to one
 * run at a time: Alertmanager's webhook (`webhookPort`) and the `firedrill` scrape job (`selfMetricsPort`).
 * Between runs no other process can take them (a port freed between two runs of a suite was taken once).
 */
export interface StackListeners {
  webhook: HeldListener;
  selfMetrics: HeldListener;
}

export interface EmbeddedStack extends StackEndpoints {
  components: Component[];
  dataDir: string;
  /** Absent for a detached stack (`up`): it outlives this process, so its runs listen themselves. */
  listeners?: StackListeners;
  /** Components in start order; watch `exited` to notice a crash. */
  stop(): Promise<void>;
}

/** The serialisable endpoints of a stack (what `firedrill up` keeps in .firedrill/stack.json). */
export function stackEndpoints(stack: EmbeddedStack): StackEndpoints {
  const {
    components: _components,
    dataDir: _dataDir,
    stop: _stop,
    listeners: _listeners,
    ...endpoints
  } = stack;
  return endpoints;
}

/**
 * The secret files of an embedded stack started with `dir` (0600; they exist while the stack runs): the
 * control file with every token, and the webhook secret Alertmanager reads.
 */
export function stackSecretFiles(dir: string): { controlFile: string; webhookSecretFile: string } {
  return {
    controlFile: join(dir, 'stack', 'control.json'),
    webhookSecretFile: join(dir, 'stack', 'webhook-secret'),
  };
}

export interface StackOptions {
  /** Folder for component logs and data (the run folder, or .firedrill/stack for `up`). */
  dir: string;
  log: Logger;
  /** Port firedrill's webhook receiver will listen on (0 = pick one). */
  webhookPort?: number;
  /** The address the webhook and self-metrics ports are held on (default 127.0.0.1; see StackListeners). */
  listenHost?: string;
  /** Detached components outlive this process (`firedrill up`). */
  detached?: boolean;
  readyTimeoutMs?: number;
  /** Restart back-off of the supervised model server and Redis after an unexpected exit (default 1000). */
  restartAfterMs?: number;
  /**
   * Monitor a server the user runs instead of the fixture: only Prometheus (scraping it, with the user's
   * rules) and Alertmanager start; no fixture model server, no Redis, no fault proxy.
   */
  monitor?: MonitoredTarget;
  /** The fixture stack's alert rules, when not the fixture's own (absolute paths, checked with promtool). */
  ruleFiles?: string[];
  /** Told before each component is spawned and with its pid right after (see ComponentSpec.announce). */
  onComponent?: (event: ComponentEvent) => void;
}

/** A model server firedrill does not own, and the alert rules that watch it. */
export interface MonitoredTarget {
  /** Its base URL (inference, readiness). */
  url: string;
  scrape: ScrapeTarget;
  /** Prometheus rule files (absolute paths), already checked with promtool. */
  ruleFiles: string[];
}

const host = '127.0.0.1';

/** True when a supervisor's control API says its child runs and answered its readiness probe. */
async function supervisorReady(control: ControlEndpoint): Promise<boolean> {
  try {
    const response = await fetch(`${control.url}/status`, {
      headers: { authorization: `Bearer ${control.token}` },
      signal: AbortSignal.timeout(1500),
    });
    if (!response.ok) return false;
    return ((await response.json()) as { ready?: boolean }).ready === true;
  } catch {
    return false;
  }
}

/** Attempts at starting a stack whose component lost a port to another process (see lostPortRace). */
export const STACK_START_ATTEMPTS = 3;

/**
 * Starts Redis, the fixture model server, Alertmanager and Prometheus on free loopback ports with
 * their data under `dir`, waits for each to be ready, and returns their endpoints. With `monitor`, only
 * Alertmanager and Prometheus start, watching the user's server with the user's rules. On any failure
 * the components already started are stopped before the error propagates. A port is free when picked and
 * taken by the component a moment later; when another process took it in between, the stack starts again
 * on other ports (at most STACK_START_ATTEMPTS in all, each retry warned).
 */
export function startEmbeddedStack(options: StackOptions): Promise<EmbeddedStack> {
  return retryLostPortRace(() => startStackOnce(options), options.log);
}

/** Calls `start` again (on the fresh ports it picks) while it lost a port race, STACK_START_ATTEMPTS in all. */
export async function retryLostPortRace<T>(start: () => Promise<T>, log: Logger): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= STACK_START_ATTEMPTS || !lostPortRace(error)) throw error;
      log.warn(
        `stack: another process took a port between its pick and its component's start (${(error as Error).message.split('\n')[0]}); starting again on other ports (attempt ${attempt + 1} of ${STACK_START_ATTEMPTS})`,
      );
    }
  }
}

/**
 * True for a component that did not start because its port was in use (it exited, or under a supervisor its
 * child crashed in a loop): a race with another process, which other ports avoid. Not for a port the user
 * chose (--webhook-port): that error is final.
 */
export function lostPortRace(error: unknown): boolean {
  return error instanceof ComponentStartError && error.portTaken;
}

async function startStackOnce(options: StackOptions): Promise<EmbeddedStack> {
  const prometheusBin = requireBinary('prometheus');
  const alertmanagerBin = requireBinary('alertmanager');
  const monitor = options.monitor;
  const redisBin = monitor ? '' : requireBinary('redis');
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const dataDir = join(options.dir, 'stack');
  await mkdir(dataDir, { recursive: true });

  const [
    redisPort,
    modelPort,
    gpuExporterPort,
    alertmanagerPort,
    prometheusPort,
    proxyPort,
    proxyControlPort,
    modelSupervisorPort,
    redisSupervisorPort,
    rolloutPort,
  ] = (await Promise.all(Array.from({ length: 10 }, () => freePort()))) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const detached = options.detached ?? false;
  const listeners = detached
    ? undefined
    : await holdRunListeners(options.listenHost ?? host, options.webhookPort ?? 0);
  const webhookPort = listeners?.webhook.port ?? (options.webhookPort || (await freePort()));
  const selfMetricsPort = listeners?.selfMetrics.port ?? (await freePort());
  const adminToken = randomBytes(24).toString('hex');
  const newToken = () => randomBytes(24).toString('hex');
  const supervisors: Record<SupervisedComponent, ControlEndpoint> = {
    'model-server': { url: `http://${host}:${modelSupervisorPort}`, token: newToken() },
    'feature-store': { url: `http://${host}:${redisSupervisorPort}`, token: newToken() },
  };
  const featureStoreProxy = {
    url: `redis://${host}:${proxyPort}`,
    control: { url: `http://${host}:${proxyControlPort}`, token: newToken() },
  };
  const { controlFile, webhookSecretFile } = stackSecretFiles(options.dir);
  const webhookSecret = newToken();
  const fixtureEndpoints: StackEndpoints = {
    prometheus: `http://${host}:${prometheusPort}`,
    alertmanager: `http://${host}:${alertmanagerPort}`,
    target: `http://${host}:${modelPort}`,
    gpuExporter: `http://${host}:${gpuExporterPort}`,
    admin: `http://${host}:${modelPort}/admin`,
    adminToken,
    redis: `redis://${host}:${redisPort}`,
    webhookUrl: `http://${host}:${webhookPort}/alertmanager`,
    webhookPort,
    webhookSecret,
    webhookSecretFile,
    selfMetricsPort,
    embedded: true,
    supervisors,
    featureStoreProxy,
    controlFile,
  };
  // A monitored server has none of the fixture's control points: faults that need them are refused
  // before the run (see the runner's preflight), never sent to an admin API that is not there.
  const endpoints: StackEndpoints = monitor
    ? {
        prometheus: fixtureEndpoints.prometheus,
        alertmanager: fixtureEndpoints.alertmanager,
        target: monitor.url.replace(/\/$/, ''),
        gpuExporter: '',
        admin: '',
        adminToken: '',
        redis: '',
        webhookUrl: fixtureEndpoints.webhookUrl,
        webhookPort,
        webhookSecret,
        webhookSecretFile,
        selfMetricsPort,
        embedded: true,
        monitoring: true,
      }
    : fixtureEndpoints;

  const components: Component[] = [];
  // Released in reverse order of acquisition: components, then the secret files (a finished run's folder
  // keeps no token), then the held ports.
  const stopAll = async () => {
    for (const component of [...components].reverse()) await component.stop();
    removePrivateFiles([controlFile, webhookSecretFile]);
    if (listeners) await closeListeners(listeners);
  };
  const start = (spec: Omit<ComponentSpec, 'dataDir' | 'announce'>) =>
    startComponent({
      ...spec,
      dataDir,
      ...(options.onComponent ? { announce: options.onComponent } : {}),
    });
  try {
    writePrivateFile(webhookSecretFile, webhookSecret);
    if (!monitor) {
      writeStackControl(controlFile, {
        admin: { url: `http://${host}:${modelPort}/admin`, token: adminToken },
        supervisors,
        featureStoreProxy: featureStoreProxy.control,
      });
    }
    const tsxLoader = import.meta.resolve('tsx');
    const restartAfterMs = options.restartAfterMs ?? 1000;
    // Helper processes of a run-owned stack stop by themselves when firedrill dies (they poll its pid);
    // those of a detached (`up`) stack live until `firedrill down`.
    const parentArgs = detached ? [] : ['--parent-pid', String(process.pid)];
    /** A component under a process supervisor: the recorded pid is the supervisor's. */
    const supervised = async (
      name: string,
      control: ControlEndpoint,
      readyProbe: string,
      logName: string,
      command: string,
      args: string[],
      env: NodeJS.ProcessEnv = process.env,
    ) =>
      start({
        name,
        command: process.execPath,
        args: [
          '--import',
          tsxLoader,
          join(projectRoot, 'chaos/local/supervise.ts'),
          '--name',
          name,
          '--control-port',
          String(new URL(control.url).port),
          '--log',
          join(options.dir, logName),
          '--restart-after-ms',
          String(restartAfterMs),
          '--ready',
          readyProbe,
          ...parentArgs,
          '--',
          command,
          ...args,
        ],
        // Tokens go through the environment, not argv, so `ps` does not show them.
        env: { ...env, FIREDRILL_CONTROL_TOKEN: control.token },
        cwd: projectRoot,
        logFile: join(options.dir, `${name}.supervisor.log`),
        childLogFile: join(options.dir, logName),
        ready: () => supervisorReady(control),
        readyTimeoutMs,
        detached,
      });

    if (!monitor) {
      options.log.info(`stack: starting redis on ${host}:${redisPort} (supervised)`);
      await mkdir(join(dataDir, 'redis'), { recursive: true });
      components.push(
        await supervised(
          'redis',
          supervisors['feature-store'],
          `redis://${host}:${redisPort}`,
          'redis.log',
          redisBin,
          [
            '--bind',
            host,
            '--port',
            String(redisPort),
            '--save',
            '',
            // An append-only file, fsynced on every write (only seeding writes), so a killed Redis comes
            // back with the feature store's data, like a pod with a persistent volume.
            '--appendonly',
            'yes',
            '--appendfsync',
            'always',
            '--dir',
            join(dataDir, 'redis'),
          ],
        ),
      );

      options.log.info(`stack: starting the feature-store proxy on ${featureStoreProxy.url} → redis`);
      components.push(
        await start({
          name: 'feature-store-proxy',
          command: process.execPath,
          args: [
            '--import',
            tsxLoader,
            join(projectRoot, 'chaos/feature-store/proxy-main.ts'),
            '--listen',
            `${host}:${proxyPort}`,
            '--upstream',
            `${host}:${redisPort}`,
            '--control-port',
            String(proxyControlPort),
            ...parentArgs,
          ],
          env: { ...process.env, FIREDRILL_CONTROL_TOKEN: featureStoreProxy.control.token },
          cwd: projectRoot,
          logFile: join(options.dir, 'feature-store-proxy.log'),
          ready: () => redisReady(host, proxyPort),
          readyTimeoutMs,
          detached,
        }),
      );

      options.log.info(`stack: starting model server on ${endpoints.target} (supervised)`);
      components.push(
        await supervised(
          'model-server',
          supervisors['model-server'],
          `${endpoints.target}/v2/health/ready`,
          'model-server.log',
          process.execPath,
          [
            '--import',
            tsxLoader,
            join(projectRoot, 'fixtures/model-server/main.ts'),
            '--host',
            host,
            '--port',
            String(modelPort),
            '--redis',
            featureStoreProxy.url,
            '--seed-feature-store',
            '--gpu-exporter-port',
            String(gpuExporterPort),
          ],
          // The admin token goes through the environment, not argv, so `ps` does not show it.
          { ...process.env, FIXTURE_ADMIN_TOKEN: adminToken },
        ),
      );
    }

    const alertmanagerConfig = join(dataDir, 'alertmanager.yml');
    await writeFile(
      alertmanagerConfig,
      renderTemplate(
        await readFile(join(projectRoot, 'fixtures/alertmanager/alertmanager.yml'), 'utf8'),
        { WEBHOOK_URL: endpoints.webhookUrl, WEBHOOK_SECRET_FILE: webhookSecretFile },
        'fixtures/alertmanager/alertmanager.yml',
      ),
    );
    options.log.info(`stack: starting alertmanager on ${endpoints.alertmanager}`);
    components.push(
      await start({
        name: 'alertmanager',
        command: alertmanagerBin,
        args: [
          `--config.file=${alertmanagerConfig}`,
          `--storage.path=${join(dataDir, 'alertmanager')}`,
          `--web.listen-address=${host}:${alertmanagerPort}`,
          '--cluster.listen-address=',
          `--web.external-url=${endpoints.alertmanager}`,
        ],
        logFile: join(options.dir, 'alertmanager.log'),
        ready: () => httpReady(`${endpoints.alertmanager}/-/ready`),
        readyTimeoutMs,
        detached,
      }),
    );

    const prometheusConfig = join(dataDir, 'prometheus.yml');
    const template = monitor ? 'fixtures/prometheus/monitor.yml' : 'fixtures/prometheus/prometheus.yml';
    const common = {
      ALERTMANAGER_HOSTPORT: `${host}:${alertmanagerPort}`,
      PROMETHEUS_HOSTPORT: `${host}:${prometheusPort}`,
      FIREDRILL_HOSTPORT: `${host}:${selfMetricsPort}`,
    };
    await writeFile(
      prometheusConfig,
      renderTemplate(
        await readFile(join(projectRoot, template), 'utf8'),
        monitor
          ? {
              ...common,
              // JSON is YAML: lists and strings are written quoted, whatever the paths hold.
              RULE_FILES: JSON.stringify(monitor.ruleFiles),
              TARGET_JOB: JSON.stringify(monitor.scrape.job),
              TARGET_METRICS_PATH: JSON.stringify(monitor.scrape.path),
              TARGET_HOSTPORT: JSON.stringify(monitor.scrape.hostPort),
            }
          : {
              ...common,
              RULE_FILES: JSON.stringify(
                options.ruleFiles ?? [join(projectRoot, 'fixtures/prometheus/rules/*.yml')],
              ),
              MODEL_SERVER_HOSTPORT: `${host}:${modelPort}`,
              GPU_EXPORTER_HOSTPORT: `${host}:${gpuExporterPort}`,
              ROLLOUT_CONTROLLER_HOSTPORT: `${host}:${rolloutPort}`,
            },
        template,
      ),
    );
    options.log.info(`stack: starting prometheus on ${endpoints.prometheus}`);
    components.push(
      await start({
        name: 'prometheus',
        command: prometheusBin,
        args: [
          `--config.file=${prometheusConfig}`,
          `--storage.tsdb.path=${join(dataDir, 'prometheus')}`,
          `--web.listen-address=${host}:${prometheusPort}`,
          '--web.enable-lifecycle',
          `--web.external-url=${endpoints.prometheus}`,
        ],
        logFile: join(options.dir, 'prometheus.log'),
        ready: () => httpReady(`${endpoints.prometheus}/-/ready`),
        readyTimeoutMs,
        detached,
      }),
    );

    if (!monitor) {
      // Like Argo Rollouts' or Flagger's analysis: reads the canary through the admin API and Prometheus.
      options.log.info(`stack: starting the rollout controller on ${host}:${rolloutPort}`);
      components.push(
        await start({
          name: 'rollout-controller',
          command: process.execPath,
          args: [
            '--import',
            tsxLoader,
            join(projectRoot, 'fixtures/rollout/main.ts'),
            '--listen',
            `${host}:${rolloutPort}`,
            '--admin',
            endpoints.admin,
            '--prometheus',
            endpoints.prometheus,
            '--target',
            endpoints.target,
            ...parentArgs,
          ],
          // The admin token goes through the environment, not argv, so `ps` does not show it.
          env: { ...process.env, ROLLOUT_ADMIN_TOKEN: adminToken },
          cwd: projectRoot,
          logFile: join(options.dir, 'rollout-controller.log'),
          ready: () => httpReady(`http://${host}:${rolloutPort}/metrics`),
          readyTimeoutMs,
          detached,
        }),
      );
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  return { ...endpoints, components, dataDir, stop: stopAll, ...(listeners ? { listeners } : {}) };
}

/**
 * Holds the webhook port (`webhookPort`, 0 = a free one) and a free self-metrics port on `listenHost`; both
 * or neither.
 */
async function holdRunListeners(listenHost: string, webhookPort: number): Promise<StackListeners> {
  const webhook = await holdListener(
    listenHost,
    webhookPort,
    'no firedrill run is listening for Alertmanager webhooks on this stack right now',
  ).catch((error: unknown) => {
    throw new FiredrillError(
      'FD_STACK_START',
      `cannot listen for Alertmanager webhooks on ${listenHost}:${webhookPort}: ${error instanceof Error ? error.message : String(error)}`,
      { hint: 'pick another --webhook-port, or 0 for a free one', cause: error },
    );
  });
  try {
    const selfMetrics = await holdListener(listenHost, 0, 'no firedrill run is in progress on this stack');
    return { webhook, selfMetrics };
  } catch (error) {
    await webhook.close();
    throw error;
  }
}

async function closeListeners(listeners: StackListeners): Promise<void> {
  await listeners.selfMetrics.close();
  await listeners.webhook.close();
}
