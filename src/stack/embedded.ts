import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/log.ts';
import { requireBinary } from './binaries.ts';
import { type Component, startComponent } from './component.ts';
import { freePort } from './ports.ts';
import { httpReady, redisReady } from './probes.ts';
import { renderTemplate } from './render.ts';

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
  /** Port firedrill serves its own metrics on during a run (Prometheus job `firedrill`); 0 = any. */
  selfMetricsPort: number;
  embedded: boolean;
}

export interface EmbeddedStack extends StackEndpoints {
  components: Component[];
  dataDir: string;
  /** Components in start order; watch `exited` to notice a crash. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Folder for component logs and data (the run folder, or .firedrill/stack for `up`). */
  dir: string;
  log: Logger;
  /** Port firedrill's webhook receiver will listen on (0 = pick one). */
  webhookPort?: number;
  /** Detached components outlive this process (`firedrill up`). */
  detached?: boolean;
  readyTimeoutMs?: number;
}

const host = '127.0.0.1';

/**
 * Starts Redis, the fixture model server, Alertmanager and Prometheus on free loopback ports with
 * their data under `dir`, waits for each to be ready, and returns their endpoints. On any failure the
 * components already started are stopped before the error propagates.
 */
export async function startEmbeddedStack(options: StackOptions): Promise<EmbeddedStack> {
  const prometheusBin = requireBinary('prometheus');
  const alertmanagerBin = requireBinary('alertmanager');
  const redisBin = requireBinary('redis');
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const dataDir = join(options.dir, 'stack');
  await mkdir(dataDir, { recursive: true });

  const [redisPort, modelPort, gpuExporterPort, alertmanagerPort, prometheusPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const webhookPort = options.webhookPort || (await freePort());
  const selfMetricsPort = await freePort();
  const adminToken = randomBytes(24).toString('hex');
  const endpoints: StackEndpoints = {
    prometheus: `http://${host}:${prometheusPort}`,
    alertmanager: `http://${host}:${alertmanagerPort}`,
    target: `http://${host}:${modelPort}`,
    gpuExporter: `http://${host}:${gpuExporterPort}`,
    admin: `http://${host}:${modelPort}/admin`,
    adminToken,
    redis: `redis://${host}:${redisPort}`,
    webhookUrl: `http://${host}:${webhookPort}/alertmanager`,
    webhookPort,
    selfMetricsPort,
    embedded: true,
  };

  const components: Component[] = [];
  const stopAll = async () => {
    for (const component of [...components].reverse()) await component.stop();
  };
  const detached = options.detached ?? false;
  try {
    options.log.info(`stack: starting redis on ${host}:${redisPort}`);
    await mkdir(join(dataDir, 'redis'), { recursive: true });
    components.push(
      await startComponent({
        name: 'redis',
        command: redisBin,
        args: [
          '--bind',
          host,
          '--port',
          String(redisPort),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          join(dataDir, 'redis'),
        ],
        logFile: join(options.dir, 'redis.log'),
        ready: () => redisReady(host, redisPort),
        readyTimeoutMs,
        detached,
      }),
    );

    options.log.info(`stack: starting model server on ${endpoints.target}`);
    const tsxLoader = import.meta.resolve('tsx');
    components.push(
      await startComponent({
        name: 'model-server',
        command: process.execPath,
        args: [
          '--import',
          tsxLoader,
          join(projectRoot, 'fixtures/model-server/main.ts'),
          '--host',
          host,
          '--port',
          String(modelPort),
          '--redis',
          endpoints.redis,
          '--seed-feature-store',
          '--gpu-exporter-port',
          String(gpuExporterPort),
        ],
        // The admin token goes through the environment, not argv, so `ps` does not show it.
        env: { ...process.env, FIXTURE_ADMIN_TOKEN: adminToken },
        cwd: projectRoot,
        logFile: join(options.dir, 'model-server.log'),
        ready: () => httpReady(`${endpoints.target}/v2/health/ready`),
        readyTimeoutMs,
        detached,
      }),
    );

    const alertmanagerConfig = join(dataDir, 'alertmanager.yml');
    await writeFile(
      alertmanagerConfig,
      renderTemplate(
        await readFile(join(projectRoot, 'fixtures/alertmanager/alertmanager.yml'), 'utf8'),
        { WEBHOOK_URL: endpoints.webhookUrl },
        'fixtures/alertmanager/alertmanager.yml',
      ),
    );
    options.log.info(`stack: starting alertmanager on ${endpoints.alertmanager}`);
    components.push(
      await startComponent({
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
    await writeFile(
      prometheusConfig,
      renderTemplate(
        await readFile(join(projectRoot, 'fixtures/prometheus/prometheus.yml'), 'utf8'),
        {
          RULES_GLOB: join(projectRoot, 'fixtures/prometheus/rules/*.yml'),
          ALERTMANAGER_HOSTPORT: `${host}:${alertmanagerPort}`,
          MODEL_SERVER_HOSTPORT: `${host}:${modelPort}`,
          GPU_EXPORTER_HOSTPORT: `${host}:${gpuExporterPort}`,
          PROMETHEUS_HOSTPORT: `${host}:${prometheusPort}`,
          FIREDRILL_HOSTPORT: `${host}:${selfMetricsPort}`,
        },
        'fixtures/prometheus/prometheus.yml',
      ),
    );
    options.log.info(`stack: starting prometheus on ${endpoints.prometheus}`);
    components.push(
      await startComponent({
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
  } catch (error) {
    await stopAll();
    throw error;
  }

  return { ...endpoints, components, dataDir, stop: stopAll };
}
