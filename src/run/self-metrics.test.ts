import { describe, expect, it } from 'vitest';
import { startSelfMetrics } from './self-metrics.ts';

describe('firedrill self metrics', () => {
  it('serves fault and phase state in Prometheus text format', async () => {
    const metrics = await startSelfMetrics({
      host: '127.0.0.1',
      port: 0,
      runId: 'r1',
      scenario: 'latency-spike',
    });
    try {
      metrics.setPhase('baseline');
      metrics.setFault('slow', 'latency-spike', true);
      metrics.setPhase('fault slow');
      const text = await (await fetch(metrics.url)).text();
      expect(text).toContain('firedrill_fault_active{run_id="r1",fault_id="slow",kind="latency-spike"} 1');
      expect(text).toContain('firedrill_phase{run_id="r1",phase="baseline"} 0');
      expect(text).toContain('firedrill_phase{run_id="r1",phase="fault slow"} 1');
      expect(text).toContain('firedrill_run_info{run_id="r1",scenario="latency-spike"} 1');
      metrics.setFault('slow', 'latency-spike', false);
      expect(await (await fetch(metrics.url)).text()).toContain('fault_id="slow",kind="latency-spike"} 0');
      expect((await fetch(metrics.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await metrics.close();
    }
  });
});
