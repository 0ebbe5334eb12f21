/**
 * A Kubernetes CronJob for scheduled game days, built as @kubernetes/client-node's typed V1CronJob (pure: data
 * in, object out; serialize with ObjectSerializer.serialize(job, 'V1CronJob') for YAML or the API). It runs the
 * firedrill image (deploy/Dockerfile) as the ServiceAccount of chaos/manifests/rbac.yaml, whose RoleBindings
 * grant the chaos rights in the allowlisted namespaces; FIREDRILL_ALLOWED_NAMESPACES carries that allowlist.
 *
 * Choices, each for a reason:
 * - concurrencyPolicy Forbid: two game days at once would inject into each other's verdicts;
 * - backoffLimit 0 and restartPolicy Never: a failed game day (exit 10) is a finding, and a retry would
 *   inject the faults again; the Job's activeDeadlineSeconds bounds the whole game day;
 * - a read-only root filesystem, non-root, no capabilities: firedrill needs only the API server and the
 *   network; it writes to /tmp (emptyDir) and to the reports volume (a PersistentVolumeClaim, else emptyDir).
 */
import type { V1CronJob, V1EnvVar, V1Volume } from '@kubernetes/client-node';
import { FiredrillError } from '../core/errors.ts';

export interface CronJobOptions {
  /** The CronJob's name (DNS label, at most 52 characters: the controller appends a suffix). */
  name: string;
  /** Where it runs: the namespace of the firedrill ServiceAccount (rbac.yaml: firedrill). */
  namespace: string;
  /** Cron schedule, five fields ("0 3 * * 1") or a macro ("@weekly"). */
  schedule: string;
  /** IANA time zone of the schedule (e.g. "Europe/Berlin"); the controller's when absent. */
  timeZone?: string | undefined;
  /** The firedrill image, e.g. "registry.example.com/firedrill:0.1.0". */
  image: string;
  /** firedrill's arguments, e.g. ["suite", "suites/weekly.suite.ts", "--prometheus", "http://…"]. */
  args: readonly string[];
  /** Namespaces firedrill may inject faults into (each needs the RoleBinding of rbac.yaml). */
  allowedNamespaces: readonly string[];
  /** ServiceAccount (default: firedrill, from rbac.yaml). */
  serviceAccountName?: string | undefined;
  /** A PersistentVolumeClaim for the reports (mounted at /reports); an emptyDir when absent. */
  reportsClaim?: string | undefined;
  /** Upper bound of one game day, in seconds (the Job's activeDeadlineSeconds). */
  deadlineSeconds: number;
  /** Extra environment, plain values. */
  env?: Readonly<Record<string, string>> | undefined;
  /**
   * Environment from Secrets, never written into the CronJob: e.g. FIREDRILL_WEBHOOK_SECRET, the token
   * Alertmanager sends to firedrill's webhook (README, Trust).
   */
  secretEnv?: Readonly<Record<string, { secret: string; key: string }>> | undefined;
}

export const reportsMountPath = '/reports';
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const cronMacro = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;

/** Every problem of the options, each naming its field (empty when valid). */
export function cronJobProblems(options: CronJobOptions): string[] {
  const problems: string[] = [];
  if (!dnsLabel.test(options.name) || options.name.length > 52)
    problems.push(
      `name: "${options.name}" is not a DNS label of at most 52 characters (like "firedrill-weekly")`,
    );
  if (!dnsLabel.test(options.namespace) || options.namespace.length > 63)
    problems.push(`namespace: "${options.namespace}" is not a namespace name`);
  const fields = options.schedule.trim().split(/\s+/);
  if (!cronMacro.test(options.schedule.trim()) && fields.length !== 5)
    problems.push(
      `schedule: "${options.schedule}" is not a cron schedule of five fields (like "0 3 * * 1") or a macro (@weekly)`,
    );
  if (options.image.trim() === '' || /\s/.test(options.image))
    problems.push(
      `image: "${options.image}" is not an image reference (like "registry.example.com/firedrill:0.1.0")`,
    );
  if (options.args.length === 0)
    problems.push('args: give firedrill a command, e.g. ["suite", "suites/weekly.suite.ts"]');
  options.allowedNamespaces.forEach((ns, i) => {
    if (!dnsLabel.test(ns)) problems.push(`allowedNamespaces[${i}]: "${ns}" is not a namespace name`);
  });
  for (const [name, ref] of Object.entries(options.secretEnv ?? {})) {
    if (!dnsLabel.test(ref.secret) || ref.key.trim() === '')
      problems.push(`secretEnv.${name}: give a Secret name and a key, got "${ref.secret}" / "${ref.key}"`);
  }
  if (!(Number.isInteger(options.deadlineSeconds) && options.deadlineSeconds > 0))
    problems.push(`deadlineSeconds: ${options.deadlineSeconds} is not a whole number of seconds above 0`);
  return problems;
}

export function buildCronJob(options: CronJobOptions): V1CronJob {
  const problems = cronJobProblems(options);
  if (problems.length > 0) {
    throw new FiredrillError(
      'FD_USAGE',
      `the CronJob is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      {
        hint: 'see docs/scheduled-game-days.md',
      },
    );
  }
  const labels = { 'app.kubernetes.io/name': 'firedrill', 'app.kubernetes.io/managed-by': 'firedrill' };
  const env: V1EnvVar[] = [
    { name: 'FIREDRILL_ALLOWED_NAMESPACES', value: options.allowedNamespaces.join(',') },
    ...Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value })),
    ...Object.entries(options.secretEnv ?? {}).map(([name, ref]) => ({
      name,
      valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } },
    })),
  ];
  const volumes: V1Volume[] = [
    { name: 'tmp', emptyDir: {} },
    options.reportsClaim
      ? { name: 'reports', persistentVolumeClaim: { claimName: options.reportsClaim } }
      : { name: 'reports', emptyDir: {} },
  ];
  const args = [...options.args];
  if (!args.includes('--out')) args.push('--out', reportsMountPath);
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: options.name, namespace: options.namespace, labels },
    spec: {
      schedule: options.schedule.trim(),
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: options.deadlineSeconds,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: options.serviceAccountName ?? 'firedrill',
              restartPolicy: 'Never',
              securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
              containers: [
                {
                  name: 'firedrill',
                  image: options.image,
                  args,
                  env,
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  resources: {
                    requests: { cpu: '1', memory: '512Mi' },
                    limits: { memory: '1Gi' },
                  },
                  volumeMounts: [
                    { name: 'tmp', mountPath: '/tmp' },
                    { name: 'reports', mountPath: reportsMountPath },
                  ],
                },
              ],
              volumes,
            },
          },
        },
      },
    },
  };
}
