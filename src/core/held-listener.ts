import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP port held open for a lifetime longer than its users': a stack holds the ports its runs listen on
 * (Alertmanager's webhook, the `firedrill` scrape job), so that no other process can take one between two
 * runs of a suite, or between the stack's start and its first run. One user at a time borrows it with a
 * request handler; while nobody does, every request gets 503 `idleMessage`.
 */
export interface HeldListener {
  readonly host: string;
  readonly port: number;
  /**
   * Serves every request with `handler` from now until the returned `giveBack` is called. Throws when the
   * port is already lent (two runs on one stack at once would take each other's notifications).
   */
  lend(handler: RequestListener): () => void;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** Listens on host:port (0 = a free port, learned at once: no window where another process can take it). */
export async function holdListener(host: string, port: number, idleMessage: string): Promise<HeldListener> {
  let lent: RequestListener | undefined;
  const idle: RequestListener = (req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${idleMessage}\n`);
  };
  const server = createServer((req, res) => (lent ?? idle)(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    host,
    port: bound,
    lend(handler) {
      if (lent !== undefined) throw new Error(`port ${host}:${bound} is already lent to a run`);
      lent = handler;
      // Handlers are chosen per request: after giveBack, a kept-alive connection gets the idle 503.
      return () => {
        if (lent === handler) lent = undefined;
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
