import { FiredrillError } from '../core/errors.ts';
import { planDrift } from '../payload/index.ts';
import type { Plan } from '../scenario/plan.ts';
import { arrivalOffsets } from '../traffic/schedule.ts';
import type { RequestFactory } from '../traffic/types.ts';
import { stageRates } from './options.ts';
import type { K6RequestShape } from './script.ts';

export interface PregeneratedPayloads {
  request: K6RequestShape;
  /** Body of request i (intended at the i-th arrival of the schedule), for i < bodies.length. */
  bodies: string[];
  /**
   * Requests the schedule plans in all (open model; when above bodies.length, the script cycles through the
   * bodies). null in the closed model: how many requests a fixed concurrency makes depends on the server.
   */
  planned: number | null;
  warnings: string[];
}

/** Default cap on pre-generated bodies (a scenario of 40 req/s for 8 minutes fits). */
export const DEFAULT_MAX_PAYLOADS = 20_000;

/**
 * Bodies pre-generated for a closed-model export (at most the cap): enough distinct requests that a cache in
 * the server sees varied inputs, few enough (~200 KB of KServe V2 bodies) for a k6-operator ConfigMap (1 MiB).
 */
export const CLOSED_MODEL_PAYLOADS = 1000;

/**
 * The bodies firedrill itself would send, request by request.
 *
 * Open model: request i gets `factory(i, offset_i)` where offset_i is its intended send time on the same
 * schedule the open engine uses, so drift on the timeline lands in the same requests. k6 spaces iterations
 * the same way (evenly along the cumulative rate), so its iteration i is due at about offset_i.
 *
 * Closed model: the number of requests is not known in advance (it is concurrency ÷ latency), so a fixed set
 * of min(CLOSED_MODEL_PAYLOADS, cap) bodies is generated, body i at offset i/N of the traffic span, and the
 * script cycles through it (iteration i sends body i mod N). Over the whole run every drift step is then in
 * the bodies in its share of the timeline, but not at its time: a warning says so when the scenario drifts.
 *
 * Pure apart from what the factory does.
 */
export function pregeneratePayloads(
  plan: Plan,
  factory: RequestFactory,
  maxPayloads = DEFAULT_MAX_PAYLOADS,
): PregeneratedPayloads {
  if (!(Number.isInteger(maxPayloads) && maxPayloads > 0)) {
    throw new FiredrillError('FD_USAGE', `the payload cap must be a positive integer, got ${maxPayloads}`);
  }
  const { traffic } = plan.scenario;
  let offsets: Iterable<number>;
  const warnings: string[] = [];
  if (traffic.model === 'closed') {
    const count = Math.min(CLOSED_MODEL_PAYLOADS, maxPayloads);
    offsets = Array.from({ length: count }, (_, i) => (i * plan.trafficEndMs) / count);
    if (planDrift(plan.scenario).length > 0) {
      warnings.push(
        `closed model: k6 sends the ${count} pre-generated bodies in a cycle, so payload drift is in them in its share of the run but does not follow the timeline (firedrill's own closed engine places it in time)`,
      );
    }
  } else {
    // k6 spaces arrivals evenly, so the bodies follow firedrill's uniform schedule of the same rates.
    offsets = arrivalOffsets(
      traffic.stages.map((stage) => {
        const { from, to } = stageRates(stage);
        return { kind: 'ramp' as const, from, to, durationMs: stage.duration };
      }),
    );
  }
  const bodies: string[] = [];
  let planned = 0;
  let shape: K6RequestShape | undefined;
  for (const offsetMs of offsets) {
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
  if (traffic.model === 'closed') return { request: shape, bodies, planned: null, warnings };
  if (planned > bodies.length) {
    warnings.push(
      `${planned} requests are planned but only ${bodies.length} bodies were generated: k6 cycles through them, so payload drift after request ${bodies.length} does not follow the timeline (raise --max-payloads)`,
    );
  }
  return { request: shape, bodies, planned, warnings };
}
