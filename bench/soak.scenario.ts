import { defineScenario, type ScenarioInput } from '../src/scenario/index.ts';

/**
 * The soak bench's game day (bench/soak.mjs): 10 minutes of open-model traffic at 200 req/s on the embedded
 * stack with a local fault every minute (at 30 s, 1m30s, …, 9m30s; 20 s each), each of the faults the local
 * backend lands on the fixture at least twice: model latency, HTTP 500s, a slow feature store, a GPU power cap.
 * Each fault expects the page the sample scenario for its kind expects, so a fault that stopped having its
 * effect late in the soak shows as a failed expectation.
 *
 * The order serves the bench's comparison of minute 2 with minute 10: the same faults come before and in
 * both (an error burst, then a slow feature store), and the two faults that widen the traffic's connection
 * pool (a latency spike and a GPU cap raise the requests in flight; the extra keep-alive connections close
 * at the fixture's 65 s idle timeout) end more than 65 s before either minute starts. The first fault is
 * the feature-store outage, whose first run grows the fixture's heap to its working size.
 */
type Fault = ScenarioInput['faults'] extends Array<infer F> | undefined ? F : never;
type Expectation = ScenarioInput['expect'][number];
/** A fault without its id and timing (Omit applied to each member of the union). */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type FaultBody = Without<Fault, 'id' | 'at' | 'duration'>;

const faultKinds = {
  latency: { fault: { kind: 'latency-spike', delay: '400ms' }, alert: 'ModelLatencyP99High', within: '15s' },
  errors: {
    fault: { kind: 'error-burst', ratio: 0.3, status: 500 },
    alert: 'ModelErrorRatioHigh',
    within: '15s',
  },
  store: {
    fault: { kind: 'feature-store-outage', mode: 'latency', latency: '200ms', jitter: '20ms' },
    alert: 'FeatureStoreLookupErrorsHigh',
    within: '12s',
  },
  gpu: {
    fault: { kind: 'gpu-throttle', mode: 'power-cap', depth: 0.5 },
    alert: 'GPUThrottledPowerCap',
    within: '15s',
  },
} satisfies Record<string, { fault: FaultBody; alert: string; within: string }>;

/** One fault per minute, in this order. */
const order: Array<keyof typeof faultKinds> = [
  'store',
  'errors',
  'store',
  'latency',
  'gpu',
  'errors',
  'latency',
  'gpu',
  'errors',
  'store',
];

const minutes = 10;
const faults: Fault[] = [];
const expect: Expectation[] = [];
for (let minute = 0; minute < minutes; minute += 1) {
  const step = faultKinds[order[minute]!];
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
