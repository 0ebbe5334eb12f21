import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunJson, runCli, shortScenario, writeScenario } from './helpers.ts';

/**
 * A closed-model game day end to end: 4 virtual users against the embedded stack, with 200 ms added to every
 * answer during the middle stage. A closed generator's rate is bound by its concurrency: N users with
 * latency R send about N / R requests per second (Little's law with no think time), so the same 4 users
 * that send hundreds per second against a fast server send at most 4 / 0.2 s = 20 per second against a slow
 * one. (An open generator would keep its schedule whatever the latency.)
 */
describe('firedrill run, closed model', () => {
  it('runs the closed engine, says so in run.json, and completes requests at the concurrency-bound rate', async () => {
    const vus = 4;
    const delayMs = 200;
    const { file, dir } = await writeScenario(
      shortScenario({
        name: 'short-closed',
        description: 'closed-model run with a slow middle stage',
        traffic: {
          model: 'closed',
          stages: [
            { kind: 'concurrency-ramp', name: 'warm', from: 1, to: vus, duration: '4s' },
            { kind: 'concurrency', name: 'slow', vus, duration: '8s' },
            { kind: 'concurrency', name: 'cool', vus, duration: '4s' },
          ],
          timeout: '5s',
        },
        // Covers the whole "slow" stage (4 s … 12 s) with a margin for the injection to land.
        faults: [{ id: 'slow', kind: 'latency-spike', at: '3s', duration: '10s', delay: `${delayMs}ms` }],
        expect: [
          { kind: 'threshold', phase: 'slow', metric: 'p50', op: '>=', value: delayMs },
          { kind: 'threshold', phase: 'run', metric: 'error-ratio', op: '<', value: 0.01 },
        ],
        recovery: '3s',
      }),
    );
    const out = join(dir, 'reports');
    const result = await runCli(['run', file, '--out', out], { timeoutMs: 60_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stderr).toContain('traffic: firedrill-closed (closed model)');
    expect(result.stdout).toContain('note: closed-model run (fixed concurrency)');

    const run = await readRunJson(out);
    expect(run.verdict).toBe('passed');
    expect(run.traffic).toMatchObject({ engine: 'firedrill-closed', model: 'closed', dropped: 0, late: 0 });
    expect(run.traffic.completed).toBe(run.traffic.sent);
    const { warm, slow, cool } = run.phases;
    // Each slow request takes ≥ 200 ms, so 4 users complete at most 20 per second, and about that many.
    expect(slow.latencyMs.p50).toBeGreaterThanOrEqual(delayMs);
    expect(slow.throughput).toBeLessThanOrEqual((vus * 1000) / delayMs + 1);
    expect(slow.throughput).toBeGreaterThan((vus * 1000) / (delayMs + 100));
    // Little's law: throughput × latency ≈ users in flight.
    expect((slow.throughput * slow.latencyMs.p50) / 1000).toBeGreaterThan(vus * 0.75);
    expect((slow.throughput * slow.latencyMs.p50) / 1000).toBeLessThan(vus * 1.1);
    // The same users against the fast server: far more requests per second.
    expect(cool.throughput).toBeGreaterThan(3 * slow.throughput);
    expect(warm.sent).toBeGreaterThan(0);

    const events = (await readFile(join(out, 'latest', 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.find((e) => e.type === 'traffic-started')).toMatchObject({
      engine: 'firedrill-closed',
      model: 'closed',
    });
    const summary = await readFile(join(out, 'latest', 'summary.md'), 'utf8');
    expect(summary).toContain('from each request’s actual send');
  }, 90_000);
});
