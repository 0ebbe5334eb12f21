import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';

/**
 * firedrill's own state as Prometheus metrics, scraped (job `firedrill`) during a run so dashboards can
 * annotate faults and phases: `firedrill_fault_active{run_id,fault_id,kind}` is 1 while a fault is active,
 * `firedrill_phase{run_id,phase}` is 1 for the current phase, `firedrill_run_info{run_id,scenario}` is 1.
 */
export interface SelfMetrics {
  readonly url: string;
  setFault(faultId: string, kind: string, active: boolean): void;
  setPhase(phase: string): void;
  close(): Promise<void>;
}

export async function startSelfMetrics(options: {
  host: string;
  port: number;
  runId: string;
  scenario: string;
}): Promise<SelfMetrics> {
  const registry = new Registry();
  const faultActive = new Gauge({
    name: 'firedrill_fault_active',
    help: '1 while firedrill holds the fault injected, 0 after it was reverted.',
    labelNames: ['run_id', 'fault_id', 'kind'] as const,
    registers: [registry],
  });
  const phase = new Gauge({
    name: 'firedrill_phase',
    help: '1 for the game day phase firedrill is in (baseline, fault, recovery, observe).',
    labelNames: ['run_id', 'phase'] as const,
    registers: [registry],
  });
  const runInfo = new Gauge({
    name: 'firedrill_run_info',
    help: 'Always 1 while a firedrill run is in progress; labels name the run.',
    labelNames: ['run_id', 'scenario'] as const,
    registers: [registry],
  });
  runInfo.set({ run_id: options.runId, scenario: options.scenario }, 1);
  let currentPhase: string | undefined;

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/metrics`,
    setFault(faultId, kind, active) {
      faultActive.set({ run_id: options.runId, fault_id: faultId, kind }, active ? 1 : 0);
    },
    setPhase(name) {
      if (name === currentPhase) return;
      if (currentPhase !== undefined) phase.set({ run_id: options.runId, phase: currentPhase }, 0);
      phase.set({ run_id: options.runId, phase: name }, 1);
      currentPhase = name;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
