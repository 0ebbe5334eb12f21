import { defineScenario, type ScenarioInput } from '../src/scenario/index.ts';

/**
 * The soak bench's game day (bench/soak.mjs): 10 minutes of open-model traffic at 200 req/s on the embedded
 * stack with a local fault every minute (at 30 s, 1m30s, …, 9m30s; 20 s each), rotating through the faults
 * the local backend lands on the fixture: model latency, HTTP 500s, a slow feature store, a GPU power cap.
 * Each fault expects the page the sample scenario for its kind expects, so a fault that stopped having its
 * effect late in the soak shows as a failed expectation.
 */
type Fault = ScenarioInput['faults'] extends Array<infer F> | undefined ? F : never;
type Expectation = ScenarioInput['expect'][number];
/** A fault without its id and timing (Omit applied to each member of the union). */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type FaultBody = Without<Fault, 'id' | 'at' | 'duration'>;

const rotation: Array<{ fault: FaultBody; alert: string; within: string }> = [
  { fault: { kind: 'latency-spike', delay: '400ms' }, alert: 'ModelLatencyP99High', within: '15s' },
  { fault: { kind: 'error-burst', ratio: 0.3, status: 500 }, alert: 'ModelErrorRatioHigh', within: '15s' },
  {
    fault: { kind: 'feature-store-outage', mode: 'latency', latency: '200ms', jitter: '20ms' },
    alert: 'FeatureStoreLookupErrorsHigh',
    within: '12s',
  },
  {
    fault: { kind: 'gpu-throttle', mode: 'power-cap', depth: 0.5 },
    alert: 'GPUThrottledPowerCap',
    within: '15s',
  },
];

const minutes = 10;
const faults: Fault[] = [];
const expect: Expectation[] = [];
for (let minute = 0; minute < minutes; minute += 1) {
  const step = rotation[minute % rotation.length]!;
  const id = `m${minute + 1}-${step.fault.kind}`;
  faults.push({ ...step.fault, id, at: `${minute * 60 + 30}s`, duration: '20s' } as Fault);
  expect.push({ kind: 'alert-fires', alert: step.alert, after: id, within: step.within });
}

export default defineScenario({
  name: 'soak',
  description: '10 minutes at 200 req/s with a local fault every minute (bench/soak.mjs)',
  target: { protocol: 'kserve-v2', model: 'penguins' },
  traffic: {
    model: 'open',
    stages: [{ kind: 'constant', name: 'steady', rate: 200, duration: `${minutes}m` }],
    timeout: '2s',
  },
  faults,
  expect,
  recovery: '25s',
});
