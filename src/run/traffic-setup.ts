import { FiredrillError } from '../core/errors.ts';
import type { Scenario } from '../scenario/index.ts';
import {
  type ArrivalProcess,
  capacityIssues,
  createResponseValidator,
  loadArrivalTrace,
  type ResponseValidator,
  type TrafficStage,
} from '../traffic/index.ts';

export interface TrafficSetup {
  stages: TrafficStage[];
  arrival: ArrivalProcess;
  validate: ResponseValidator | undefined;
}

/**
 * Turns the scenario's traffic into what the engine takes, before anything starts: reads an arrival
 * trace (a malformed one is an error naming file:line), and refuses settings the in-flight cap cannot
 * carry (Little's law: rate × timeout requests can be in flight when the server answers at the timeout).
 */
export function prepareTraffic(scenario: Scenario, file: string): TrafficSetup {
  const { traffic } = scenario;
  const stages: TrafficStage[] = traffic.stages.map((stage) =>
    stage.kind === 'constant'
      ? { kind: 'constant', rate: stage.rate, durationMs: stage.duration }
      : { kind: 'ramp', from: stage.from, to: stage.to, durationMs: stage.duration },
  );
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
  const v = traffic.validate;
  const validate =
    v && scenario.target.protocol !== 'raw'
      ? createResponseValidator({
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
        })
      : undefined;
  return { stages, arrival, validate };
}
