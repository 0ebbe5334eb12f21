import { describe, expect, it } from 'vitest';
import { holdListener } from '../core/held-listener.ts';
import { createHistogram, encodeHistogram, recordMicros } from '../traffic/index.ts';
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
      const head = await fetch(metrics.url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await head.text()).toBe('');
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        for (const path of ['/metrics', '/other']) {
          const response = await fetch(metrics.url.replace('/metrics', path), {
            method,
            body: 'firedrill_fault_active{run_id="r1",fault_id="slow",kind="latency-spike"} 1\n',
          });
          expect(response.status, `${method} ${path}`).toBe(405);
          expect(response.headers.get('allow')).toBe('GET, HEAD');
        }
      }
      // Nothing sent in changed what is served.
      expect(await (await fetch(metrics.url)).text()).toContain('fault_id="slow",kind="latency-spike"} 0');
    } finally {
      await metrics.close();
    }
  });

  it("serves on a stack's held port while the run lasts: one run's series, never the last run's", async () => {
    const listener = await holdListener('127.0.0.1', 0, 'no run');
    try {
      const url = `http://127.0.0.1:${listener.port}/metrics`;
      for (const runId of ['first', 'second']) {
        const metrics = await startSelfMetrics({ host: 'ignored', port: 1, listener, runId, scenario: 's' });
        expect(metrics.url).toBe(url);
        const text = await (await fetch(url)).text();
        expect(text).toContain(`firedrill_run_info{run_id="${runId}",scenario="s"} 1`);
        expect(text).not.toContain(runId === 'first' ? 'run_id="second"' : 'run_id="first"');
        await metrics.close();
        expect((await fetch(url)).status).toBe(503);
      }
    } finally {
      await listener.close();
    }
  });

  it("counts requests by outcome and publishes each completed window's latency quantiles", async () => {
    const metrics = await startSelfMetrics({ host: '127.0.0.1', port: 0, runId: 'r2', scenario: 's' });
    try {
      const before = await (await fetch(metrics.url)).text();
      expect(before).toContain('firedrill_requests_total{run_id="r2",outcome="timeout"} 0');
      const ok = createHistogram();
      for (let i = 1; i <= 100; i++) recordMicros(ok, i * 1000); // 1..100 ms
      const window = {
        startAt: 1_700_000_000_000,
        second: 0,
        intended: 110,
        sent: 110,
        ok: 100,
        httpErrors: 4,
        networkErrors: 1,
        timeouts: 3,
        late: 2,
        dropped: 0,
        okHistogram: encodeHistogram(ok),
        errorHistogram: '',
        statusCodes: { '200': 100, '503': 4 },
        wrongAnswers: 2,
      };
      metrics.recordWindow(window);
      metrics.recordWindow({ ...window, startAt: window.startAt + 1000, ok: 0, okHistogram: '' });
      const text = await (await fetch(metrics.url)).text();
      expect(text).toContain('firedrill_requests_total{run_id="r2",outcome="ok"} 100');
      expect(text).toContain('firedrill_requests_total{run_id="r2",outcome="http_error"} 8');
      expect(text).toContain('firedrill_requests_total{run_id="r2",outcome="timeout"} 6');
      expect(text).toContain('firedrill_requests_total{run_id="r2",outcome="wrong_answer"} 4');
      expect(text).toContain('firedrill_sends_late_total{run_id="r2"} 4');
      // The last window had no successes: its quantiles are NaN, not the previous window's.
      expect(text).toMatch(/firedrill_window_latency_seconds\{run_id="r2",quantile="0\.99"\} NaN/i);
      expect(text).toContain('firedrill_window_start_seconds{run_id="r2"} 1700000001');
      metrics.recordWindow(window);
      const third = await (await fetch(metrics.url)).text();
      const p99 = Number(
        /firedrill_window_latency_seconds\{run_id="r2",quantile="0.99"\} (\S+)/.exec(third)?.[1],
      );
      expect(p99).toBeCloseTo(0.099, 3);
      ok.destroy();
    } finally {
      await metrics.close();
    }
  });
});
