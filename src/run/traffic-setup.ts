import { FiredrillError } from '../core/errors.ts';
import { rateStages, type Scenario } from '../scenario/index.ts';
import {
  type ArrivalProcess,
  type ClosedRunOptions,
  type ConcurrencyStage,
  capacityIssues,
  createClosedEngine,
  createOpenEngine,
  createResponseValidator,
  type EngineSummary,
  loadArrivalTrace,
  type Partition,
  partitionLimit,
  type ResponseValidator,
  type TrafficStage,
} from '../traffic/index.ts';

/** What the engine of the scenario's model takes: rate stages and arrivals (open), or concurrency stages (closed). */
export type TrafficSetup =
  | {
      model: 'open';
      stages: TrafficStage[];
      arrival: ArrivalProcess;
      maxInFlight: number;
      validate: ResponseValidator | undefined;
    }
  | { model: 'closed'; stages: ConcurrencyStage[]; validate: ResponseValidator | undefined };

/** What both engines take besides the traffic shape (target, timeout, payloads, sinks, signal, clock). */
export type EngineRunOptions = Omit<ClosedRunOptions, 'stages' | 'validate'>;

export interface BoundEngine {
  readonly name: string;
  readonly model: 'open' | 'closed';
  run(options: EngineRunOptions): Promise<EngineSummary>;
}

/**
 * firedrill's engine for the setup's model, bound to its stages (and, open model, its arrivals and
 * in-flight cap): the open engine by default, the closed engine for `model: 'closed'`.
 */
export function engineFor(setup: TrafficSetup, partition: Partition = { index: 0, of: 1 }): BoundEngine {
  const validate = setup.validate ? { validate: setup.validate } : {};
  if (setup.model === 'closed') {
    const engine = createClosedEngine();
    return {
      name: engine.name,
      model: engine.model,
      run: (options) => engine.run({ ...options, ...validate, stages: setup.stages }),
    };
  }
  // engineFor serves firedrill's own traffic thread: its process exists for the run, so the engine may lower
  // the process's helper threads below the scheduler and its waker.
  const engine = createOpenEngine({ lowerHelperThreads: true });
  return {
    name: engine.name,
    model: engine.model,
    run: (options) =>
      engine.run({
        ...options,
        ...validate,
        stages: setup.stages,
        arrival: setup.arrival,
        // Each of several traffic threads gets its share of the schedule and of the in-flight cap.
        maxInFlight: partitionLimit(setup.maxInFlight, partition),
        ...(partition.of > 1 ? { partition } : {}),
      }),
  };
}

/**
 * Turns the scenario's traffic into what the engine takes, before anything starts. Open model: reads an
 * arrival trace (a malformed one is an error naming file:line), and refuses settings the in-flight cap
 * cannot carry (Little's law: rate × timeout requests can be in flight when the server answers at the
 * timeout). Closed model: the stages' vus are the concurrency, so there is no cap to check.
 */
export function prepareTraffic(scenario: Scenario, file: string): TrafficSetup {
  const { traffic } = scenario;
  const validate = responseValidator(scenario);
  if (traffic.model === 'closed') {
    const stages = traffic.stages.map(
      (stage): ConcurrencyStage =>
        stage.kind === 'concurrency'
          ? { kind: 'concurrency', vus: stage.vus, durationMs: stage.duration }
          : { kind: 'concurrency-ramp', from: stage.from, to: stage.to, durationMs: stage.duration },
    );
    return { model: 'closed', stages, validate };
  }
  const stages = rateStages(traffic.stages);
  const a = traffic.arrival;
  const arrival: ArrivalProcess =
    a.kind === 'trace'
      ? { kind: 'trace', offsetsMs: loadArrivalTrace(a.file), speed: a.speed }
      : a.kind === 'gamma'
        ? { kind: 'gamma', shape: a.shape, seed: traffic.seed }
        : a.kind === 'poisson'
          ? { kind: 'poisson', seed: traffic.seed }
          : { kind: 'uniform' };
  const refused = capacityIssues({
    stages,
    timeoutMs: traffic.timeout,
    maxInFlight: traffic.maxInFlight,
    arrival,
  });
  if (refused.length > 0) {
    throw new FiredrillError('FD_SCENARIO_INVALID', `${file}: traffic: ${refused.join('; ')}`, {
      hint: 'raise traffic.maxInFlight or lower traffic.timeout',
    });
  }
  return { model: 'open', stages, arrival, maxInFlight: traffic.maxInFlight, validate };
}

function responseValidator(scenario: Scenario): ResponseValidator | undefined {
  const v = scenario.traffic.validate;
  if (!v) return undefined;
  return createResponseValidator({
    protocol: scenario.target.protocol,
    ...(v.outputs
      ? {
          outputs: v.outputs.map((o) => ({
            name: o.name,
            ...(o.datatype !== undefined ? { datatype: o.datatype } : {}),
            ...(o.shape !== undefined ? { shape: o.shape } : {}),
          })),
        }
      : {}),
    ...(v.predicate ? { predicate: v.predicate } : {}),
  });
}
