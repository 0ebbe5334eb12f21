import { dumpYaml, loadYaml, type V1CronJob } from '@kubernetes/client-node';
// client-node 1.x does not re-export its ObjectSerializer from the package root (dumpYaml/loadYaml use it).
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { describe, expect, it } from 'vitest';
import { buildCronJob, type CronJobOptions } from './cronjob.ts';

const options: CronJobOptions = {
  name: 'firedrill-weekly',
  namespace: 'firedrill',
  schedule: '0 3 * * 1',
  timeZone: 'Europe/Berlin',
  image: 'registry.example.com/firedrill:0.1.0',
  args: ['suite', 'suites/weekly.suite.ts', '--prometheus', 'http://prometheus.monitoring:9090'],
  allowedNamespaces: ['model-serving'],
  reportsClaim: 'firedrill-reports',
  deadlineSeconds: 3600,
  secretEnv: { FIREDRILL_WEBHOOK_SECRET: { secret: 'firedrill-webhook', key: 'token' } },
};

describe('buildCronJob', () => {
  it('round-trips through the client’s ObjectSerializer with every field kept', () => {
    const job = buildCronJob(options);
    const wire = ObjectSerializer.serialize(job, 'V1CronJob');
    const back: V1CronJob = ObjectSerializer.deserialize(structuredClone(wire), 'V1CronJob');
    expect(ObjectSerializer.serialize(back, 'V1CronJob')).toEqual(wire);
    // And through YAML, as `kubectl apply -f` reads it (dumpYaml/loadYaml pick the type from apiVersion/kind).
    expect(ObjectSerializer.serialize(loadYaml<V1CronJob>(dumpYaml(job)), 'V1CronJob')).toEqual(wire);
    expect(back.kind).toBe('CronJob');
    expect(back.apiVersion).toBe('batch/v1');
    expect(back.metadata).toMatchObject({ name: 'firedrill-weekly', namespace: 'firedrill' });
    expect(back.spec).toMatchObject({
      schedule: '0 3 * * 1',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
    });
    const jobSpec = back.spec!.jobTemplate.spec!;
    expect(jobSpec.backoffLimit).toBe(0);
    expect(jobSpec.activeDeadlineSeconds).toBe(3600);
    const pod = jobSpec.template.spec!;
    expect(pod.serviceAccountName).toBe('firedrill');
    expect(pod.restartPolicy).toBe('Never');
    const container = pod.containers[0]!;
    expect(container.image).toBe('registry.example.com/firedrill:0.1.0');
    expect(container.args).toEqual([...options.args, '--out', '/reports']);
    expect(container.env).toEqual([
      { name: 'FIREDRILL_ALLOWED_NAMESPACES', value: 'model-serving' },
      {
        name: 'FIREDRILL_WEBHOOK_SECRET',
        valueFrom: { secretKeyRef: { name: 'firedrill-webhook', key: 'token' } },
      },
    ]);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(pod.volumes!.find((v) => v.name === 'reports')!.persistentVolumeClaim!.claimName).toBe(
      'firedrill-reports',
    );
    expect(container.volumeMounts!.map((m) => m.mountPath)).toEqual(['/tmp', '/reports']);
    // The wire form uses the API's field names (a typo'd property would be dropped by the serializer).
    expect(Object.keys(wire.spec)).toEqual(
      expect.arrayContaining(['schedule', 'timeZone', 'concurrencyPolicy', 'jobTemplate']),
    );
  });

  it('keeps a given --out, and an emptyDir without a claim', () => {
    const job = buildCronJob({
      ...options,
      args: ['run', 's.ts', '--out', '/data'],
      reportsClaim: undefined,
    });
    const pod = job.spec!.jobTemplate.spec!.template.spec!;
    expect(pod.containers[0]!.args).toEqual(['run', 's.ts', '--out', '/data']);
    expect(pod.volumes!.find((v) => v.name === 'reports')!.emptyDir).toEqual({});
  });

  it('refuses bad options, every problem with its field', () => {
    expect(() =>
      buildCronJob({
        ...options,
        name: 'Weekly_Game',
        schedule: '0 3 * *',
        allowedNamespaces: ['ok', 'Not OK'],
        args: [],
      }),
    ).toThrow(
      /name: "Weekly_Game" is not a DNS label[\s\S]*schedule: "0 3 \* \*" is not a cron schedule[\s\S]*args: give firedrill a command[\s\S]*allowedNamespaces\[1\]: "Not OK"/,
    );
    expect(() => buildCronJob({ ...options, schedule: '@weekly' })).not.toThrow();
  });
});
