import type { ProbeTarget } from './local.ts';

/**
 * Probes for `landed()`: one real inference request (timed from before the send), and the server's own
 * count of answers with a status, read from its Prometheus metrics.
 */
export function modelServerProbe(targetUrl: string, model: string, body: string): ProbeTarget {
  const inferUrl = `${targetUrl}/v2/models/${encodeURIComponent(model)}/infer`;
  return {
    path: new URL(inferUrl).pathname,
    async probe() {
      const started = performance.now();
      try {
        const response = await fetch(inferUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        return { status: response.status, elapsedMs: performance.now() - started };
      } catch {
        return { status: 0, elapsedMs: performance.now() - started };
      }
    },
    async versionCount(version) {
      const response = await fetch(`${targetUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
      return sumCounter(await response.text(), 'model_requests_total', { version, endpoint: 'infer' });
    },
    async statusCount(status) {
      const response = await fetch(`${targetUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
      return sumCounter(await response.text(), 'model_requests_total', {
        code: String(status),
        endpoint: 'infer',
      });
    },
  };
}

/** Sums the samples of a counter in Prometheus text format whose labels include `match`. */
export function sumCounter(text: string, name: string, match: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).match(/^\{([^}]*)\}/)?.[1] ?? '';
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) {
      total += Number(line.trim().split(/\s+/).at(-1));
    }
  }
  return total;
}
