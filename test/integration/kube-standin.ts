import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * The common part of the stand-in Kubernetes API servers (chaos-kubernetes.test.ts, configurators-kubernetes
 * .test.ts): a real HTTP server on 127.0.0.1 that logs each request, answers JSON and Status objects, runs
 * controller timers that `close` cancels, and a KubeConfig for the real @kubernetes/client-node to reach it.
 * A subclass routes the requests (`route`) and plays the controllers.
 */
export abstract class KubeStandIn {
  readonly requests: Array<{
    method: string;
    path: string;
    auth: string | undefined;
    contentType?: string | undefined;
    body?: any;
  }> = [];
  url = '';
  protected readonly server: Server;
  protected readonly timers = new Set<NodeJS.Timeout>();
  protected readonly hanging: ServerResponse[] = [];

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }

  /** A KubeConfig whose current context is this server, with a bearer token. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'firedrill', token: 'test-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'firedrill' }],
      currentContext: 'fake',
    });
    return kc;
  }

  protected later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  protected send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  protected status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.send(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
  }

  /** An APIResourceList for discovery, as KubernetesObjectApi reads it to find a kind's plural. */
  protected resourceList(
    groupVersion: string,
    resources: Array<{ name: string; singularName: string; kind: string; verbs: string[] }>,
  ) {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion,
      resources: resources.map((r) => ({ ...r, namespaced: true })),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body = text ? JSON.parse(text) : undefined;
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      auth: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    });
    await this.route(req, res, url, body);
  }

  protected abstract route(req: IncomingMessage, res: ServerResponse, url: URL, body: any): Promise<void>;
}
