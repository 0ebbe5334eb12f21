/**
 * Prints the CronJob of a scheduled game day as YAML (src/schedule/cronjob.ts, serialized by client-node's
 * dumpYaml). Everything after `--` is firedrill's own command line in the pod.
 *
 * Run: node --import tsx scripts/cronjob-yaml.ts --image registry.example.com/firedrill:0.1.0 \
 *        --schedule "0 3 * * 1" --allow-namespace model-serving [--name firedrill-weekly] [--namespace firedrill]
 *        [--time-zone Europe/Berlin] [--reports-pvc firedrill-reports] [--deadline 3600] \
 *        [--webhook-secret SECRET/KEY] \
 *        -- suite gamedays/weekly.suite.ts --prometheus http://prometheus.monitoring:9090 ...
 * Exit 0 with the YAML on stdout; 2 with every problem named.
 */
import { parseArgs } from 'node:util';
import { dumpYaml } from '@kubernetes/client-node';
import { formatError } from '../src/core/errors.ts';
import { buildCronJob } from '../src/schedule/index.ts';

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string', default: 'firedrill-weekly' },
      namespace: { type: 'string', default: 'firedrill' },
      schedule: { type: 'string' },
      'time-zone': { type: 'string' },
      image: { type: 'string' },
      'allow-namespace': { type: 'string', multiple: true, default: [] },
      'reports-pvc': { type: 'string' },
      deadline: { type: 'string', default: '3600' },
      'webhook-secret': { type: 'string' },
    },
  });
  const job = buildCronJob({
    name: values.name,
    namespace: values.namespace,
    schedule: values.schedule ?? '',
    timeZone: values['time-zone'],
    image: values.image ?? '',
    args: positionals,
    allowedNamespaces: values['allow-namespace'],
    reportsClaim: values['reports-pvc'],
    deadlineSeconds: Number(values.deadline),
    ...(values['webhook-secret']
      ? {
          secretEnv: {
            FIREDRILL_WEBHOOK_SECRET: {
              secret: values['webhook-secret'].split('/')[0] ?? '',
              key: values['webhook-secret'].split('/')[1] ?? '',
            },
          },
        }
      : {}),
  });
  process.stdout.write(dumpYaml(job));
} catch (error) {
  process.stderr.write(`cronjob-yaml: ${formatError(error)}\n`);
  process.exitCode = 2;
}
