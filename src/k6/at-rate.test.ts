import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { isFiredrillError } from '../core/errors.ts';
import { type PreparedScenario, parseScenario, planScenario } from '../scenario/index.ts';
import { atRateScenario, type K6AtRate, k6AtRateShape, k6SloThresholds } from './at-rate.ts';
import { exportK6Operator } from './export.ts';
import { validateTestRun } from './operator.ts';

function prepared(traffic: Record<string, unknown>): PreparedScenario {
  const result = parseScenario({
    name: 'at-rate',
    description: 'export at a capacity',
    target: { protocol: 'kserve-v2', model: 'penguins', url: 'http://127.0.0.1:8080' },
    traffic,
    faults: [{ id: 'slow', kind: 'latency-spike', at: '2s', duration: '2s', delay: '100ms' }],
    expect: [{ kind: 'threshold', phase: 'steady', metric: 'p90', op: '<', value: 999 }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return { file: 'at-rate.ts', scenario: result.scenario, plan: planScenario(result.scenario) };
}

const open = prepared({
  stages: [
    { kind: 'ramp', name: 'up', from: 1, to: 50, duration: '10s' },
    { kind: 'constant', name: 'steady', rate: 50, duration: '20s' },
  ],
  timeout: '1s',
  maxInFlight: 500,
});
const atRate: K6AtRate = {
  rate: 123.4,
  durationMs: 90_000,
  slo: { latencyMs: { p50: 10, p99: 50 }, maxErrorRatio: 0.01 },
  source: 'the SLO capacity of configuration 2 (maxBatchSize=8) in capacity.json',
};

const codeOf = (action: () => unknown) => {
  try {
    action();
  } catch (error) {
    return isFiredrillError(error) ? `${error.code}: ${error.message}` : 'not a FiredrillError';
  }
  return undefined;
};

describe('export at a capacity: one constant arrival rate, the SLO as thresholds', () => {
  it('replaces the stages by one constant stage at the rate for the duration, without faults or expectations', () => {
    const { scenario, plan } = atRateScenario(open, atRate);
    expect(scenario.traffic.stages).toEqual([
      { kind: 'constant', name: 'at-capacity', rate: 123.4, duration: 90_000 },
    ]);
    expect(scenario.faults).toEqual([]);
    expect(plan.expectations).toEqual([]);
    expect(plan.trafficEndMs).toBe(90_000);
    // The rest of the traffic is the scenario's.
    expect(scenario.traffic).toMatchObject({ timeout: 1000, maxInFlight: 500, seed: 1 });
  });

  it('writes constant-arrival-rate with the exact rate (decimals through timeUnit) and the VUs the cap allows', () => {
    const shape = k6AtRateShape(atRate, { maxInFlight: 500, timeout: 1000, arrivalKind: 'uniform' });
    expect(shape.scenario).toEqual({
      executor: 'constant-arrival-rate',
      rate: 1234,
      timeUnit: '10s',
      duration: '90s',
      preAllocatedVUs: 124,
      maxVUs: 500,
      gracefulStop: '1s',
    });
    expect(shape.warnings).toEqual([]);
    const cramped = k6AtRateShape(
      { rate: 400, durationMs: 60_000 },
      { maxInFlight: 100, timeout: 2000, arrivalKind: 'poisson' },
    );
    expect(cramped.scenario).toMatchObject({ rate: 400, timeUnit: '1s', preAllocatedVUs: 100, maxVUs: 100 });
    expect(cramped.warnings.join('\n')).toContain('can need 800 VUs, over traffic.maxInFlight 100');
    expect(cramped.warnings.join('\n')).toContain('"poisson"');
  });

  it('turns each SLO limit into a k6 threshold with firedrill\'s "at or under", and warns for the rest', () => {
    expect(k6SloThresholds(atRate.slo)).toEqual({
      thresholds: [
        { source: 'slo.p50', metric: 'http_req_duration{expected_response:true}', expression: 'p(50)<=10' },
        { source: 'slo.p99', metric: 'http_req_duration{expected_response:true}', expression: 'p(99)<=50' },
        { source: 'slo.errorRatio', metric: 'http_req_failed', expression: 'rate<=0.01' },
        { source: 'rate held', metric: 'dropped_iterations', expression: 'count<1' },
      ],
      warnings: [],
    });
    const { warnings } = k6SloThresholds({
      latencyMs: {},
      maxWrongAnswerRatio: 0.01,
      goodput: { min: 0.99, latencyMs: 100 },
      ttftP99Ms: 200,
    });
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/wrongAnswerRatio[\s\S]*goodput[\s\S]*ttftP99/);
  });

  it('refuses a closed-model scenario and a duration under 1 s', () => {
    const closed = prepared({
      model: 'closed',
      stages: [{ kind: 'concurrency', name: 'steady', vus: 4, duration: '10s' }],
    });
    expect(codeOf(() => atRateScenario(closed, atRate))).toMatch(/^FD_USAGE: --at-capacity: .*closed-model/);
    expect(codeOf(() => atRateScenario(open, { ...atRate, durationMs: 500 }))).toMatch(
      /^FD_USAGE: --duration: 500 ms/,
    );
  });

  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('k6-operator: a TestRun the real CRD accepts, running a script of the one rate and the SLO thresholds', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'firedrill-at-rate-'));
    dirs.push(outDir);
    const result = await exportK6Operator(open, {
      outDir,
      parallelism: 3,
      namespace: 'loadtest',
      atRate,
      maxPayloads: 50,
    });
    expect(validateTestRun(result.manifests.testRun)).toEqual([]);
    const docs = parseAllDocuments(await readFile(join(outDir, 'k6-operator.yaml'), 'utf8')).map((d) =>
      d.toJSON(),
    );
    expect(docs[1]).toMatchObject({ kind: 'TestRun', spec: { parallelism: 3 } });
    const script = docs[0].data['script.js'] as string;
    expect(script).toBe(await readFile(join(outDir, 'script.js'), 'utf8'));
    const start = script.indexOf('export const options = ') + 'export const options = '.length;
    const options = JSON.parse(script.slice(start, script.indexOf('\n};\n', start) + 2));
    expect(options).toEqual({
      scenarios: {
        firedrill: {
          executor: 'constant-arrival-rate',
          rate: 1234,
          timeUnit: '10s',
          duration: '90s',
          preAllocatedVUs: 124,
          maxVUs: 500,
          gracefulStop: '1s',
        },
      },
      thresholds: {
        'http_req_duration{expected_response:true}': ['p(50)<=10', 'p(99)<=50'],
        http_req_failed: ['rate<=0.01'],
        dropped_iterations: ['count<1'],
      },
    });
    // The scenario's own threshold (p90 in stage "steady") is not there: that stage is not exported.
    expect(script).not.toContain('999');
    expect(script).toContain(`// At capacity: one constant arrival rate, ${atRate.source}`);
    expect(script).toContain('"tag": "at-capacity"');
    expect(result.payloads.bodies).toHaveLength(50);
  });
});
