import { describe, expect, it } from 'vitest';
import { parseScenario, planScenario } from '../scenario/index.ts';
import type { RequestFactory } from '../traffic/types.ts';
import { CLOSED_MODEL_PAYLOADS, pregeneratePayloads } from './payloads.ts';

function planOf(traffic: Record<string, unknown>, payload?: Record<string, unknown>) {
  const result = parseScenario({
    name: 'k6-payloads',
    description: 'k6 payload pre-generation',
    target: { model: 'm' },
    traffic,
    ...(payload ? { payload } : {}),
    expect: [{ kind: 'threshold', phase: 'run', metric: 'p99', op: '<', value: 100 }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return planScenario(result.scenario);
}

/** A factory that writes its arguments into the body, so the test sees which (seq, offset) each body got. */
const echo: RequestFactory = (seq, offsetMs = 0) => ({
  method: 'POST',
  path: '/infer',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ seq, offsetMs }),
});
const decode = (bodies: string[]) => bodies.map((b) => JSON.parse(b) as { seq: number; offsetMs: number });

describe('pregeneratePayloads', () => {
  it('open model: one body per planned request, at its intended offset', () => {
    const plan = planOf({ stages: [{ kind: 'constant', rate: 10, duration: '3s' }] });
    const payloads = pregeneratePayloads(plan, echo);
    expect(payloads.planned).toBe(30);
    const bodies = decode(payloads.bodies);
    expect(bodies).toHaveLength(30);
    expect(bodies[7]).toEqual({ seq: 7, offsetMs: 700 });
    expect(payloads.warnings).toEqual([]);
  });

  it('closed model: a fixed set spread evenly over the traffic span, no planned count', () => {
    const plan = planOf({ model: 'closed', stages: [{ kind: 'concurrency', vus: 8, duration: '20s' }] });
    const payloads = pregeneratePayloads(plan, echo);
    expect(payloads.planned).toBeNull();
    const bodies = decode(payloads.bodies);
    expect(bodies).toHaveLength(CLOSED_MODEL_PAYLOADS);
    expect(bodies[0]).toEqual({ seq: 0, offsetMs: 0 });
    expect(bodies[500]).toEqual({ seq: 500, offsetMs: 10_000 });
    expect(bodies.at(-1)!.offsetMs).toBeLessThan(20_000);
    expect(payloads.request).toEqual({
      method: 'POST',
      path: '/infer',
      headers: { 'content-type': 'application/json' },
    });
    expect(payloads.warnings).toEqual([]);
    // The cap still applies.
    expect(pregeneratePayloads(plan, echo, 10).bodies).toHaveLength(10);
  });

  it('closed model with drift: warns that k6 cannot place the drift in time', () => {
    const plan = planOf(
      { model: 'closed', stages: [{ kind: 'concurrency', vus: 2, duration: '20s' }] },
      { drift: [{ kind: 'mean-shift', feature: 'bill_length_mm', sigma: 2, at: '10s' }] },
    );
    const { warnings } = pregeneratePayloads(plan, echo);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('does not follow the timeline');
  });
});
