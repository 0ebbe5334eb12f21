import { FiredrillError } from '../core/errors.ts';
import type { Plan } from '../scenario/plan.ts';
import { arrivalOffsets } from '../traffic/schedule.ts';
import type { RequestFactory } from '../traffic/types.ts';
import { stageRates } from './options.ts';
import type { K6RequestShape } from './script.ts';

export interface PregeneratedPayloads {
  request: K6RequestShape;
  /** Body of request i (intended at the i-th arrival of the schedule), for i < bodies.length. */
  bodies: string[];
  /** Requests the schedule plans in all. When above bodies.length, the script cycles through the bodies. */
  planned: number;
  warnings: string[];
}

/** Default cap on pre-generated bodies (a scenario of 40 req/s for 8 minutes fits). */
export const DEFAULT_MAX_PAYLOADS = 20_000;

/**
 * The bodies firedrill itself would send, request by request: request i gets `factory(i, offset_i)` where
 * offset_i is its intended send time on the same schedule the open engine uses, so drift on the timeline
 * lands in the same requests. k6 spaces iterations the same way (evenly along the cumulative rate), so its
 * iteration i is due at about offset_i. Pure apart from what the factory does.
 */
export function pregeneratePayloads(
  plan: Plan,
  factory: RequestFactory,
  maxPayloads = DEFAULT_MAX_PAYLOADS,
): PregeneratedPayloads {
  if (!(Number.isInteger(maxPayloads) && maxPayloads > 0)) {
    throw new FiredrillError('FD_USAGE', `the payload cap must be a positive integer, got ${maxPayloads}`);
  }
  // k6 spaces arrivals evenly, so the bodies follow firedrill's uniform schedule of the same rates.
  const stages = plan.scenario.traffic.stages.map((stage) => {
    const { from, to } = stageRates(stage);
    return { kind: 'ramp' as const, from, to, durationMs: stage.duration };
  });
  const bodies: string[] = [];
  let planned = 0;
  let shape: K6RequestShape | undefined;
  for (const offsetMs of arrivalOffsets(stages)) {
    planned += 1;
    if (bodies.length >= maxPayloads) continue;
    const request = factory(bodies.length, offsetMs);
    const headers = request.headers;
    if (shape === undefined) shape = { method: request.method, path: request.path, headers };
    else if (
      request.method !== shape.method ||
      request.path !== shape.path ||
      JSON.stringify(headers) !== JSON.stringify(shape.headers)
    ) {
      throw new FiredrillError(
        'FD_INTERNAL',
        `request ${bodies.length} differs from request 0 in method, path or headers; the k6 export sends one shape`,
      );
    }
    bodies.push(request.body ?? '');
  }
  if (shape === undefined) {
    const request = factory(0, 0);
    shape = { method: request.method, path: request.path, headers: request.headers };
    bodies.push(request.body ?? '');
  }
  const warnings =
    planned > bodies.length
      ? [
          `${planned} requests are planned but only ${bodies.length} bodies were generated: k6 cycles through them, so payload drift after request ${bodies.length} does not follow the timeline (raise --max-payloads)`,
        ]
      : [];
  return { request: shape, bodies, planned, warnings };
}
