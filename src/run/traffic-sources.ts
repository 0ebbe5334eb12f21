import { exportK6, runK6Engine } from '../k6/index.ts';
import type { PreparedScenario } from '../scenario/index.ts';
import type { TrafficSource } from './execute.ts';
import type { TrafficThread } from './traffic-thread.ts';

/** firedrill's engines on their own thread (started and closed by the program that owns it). */
export function threadTraffic(thread: TrafficThread): TrafficSource {
  return {
    engine: thread.engine,
    run: async ({ signal, onStarted, onWindow, onProgress }) => {
      const { summary, logError } = await thread.run({ signal, onStarted, onWindow, onProgress });
      return { summary, warnings: logError ? [`could not write requests.ndjson: ${logError}`] : [] };
    },
  };
}

/**
 * `--engine k6`: exports the scenario as a k6 script into `dir`, runs the local `k6` binary against the
 * target, and ingests its `--out json` stream as firedrill windows (same report).
 */
export function k6Traffic(prepared: PreparedScenario, dir: string, target: string): TrafficSource {
  return {
    engine: 'k6',
    run: async ({ signal, startAt, onStarted, onWindow }) => {
      // k6 starts its own schedule; its windows are placed from `startAt` (runK6Engine), so that is its start.
      onStarted(startAt);
      const exported = await exportK6(prepared, { outDir: dir, targetUrl: target });
      const result = await runK6Engine(dir, {
        env: { ...process.env, FIREDRILL_TARGET: target },
        signal,
        startAt,
        executor: exported.script.scenario.executor,
      });
      for (const window of result.windows) onWindow(window);
      return { summary: result.summary, warnings: [] };
    },
  };
}
