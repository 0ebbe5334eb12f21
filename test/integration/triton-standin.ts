import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in Triton on 127.0.0.1 speaking the real HTTP paths and bodies of the model repository extension
 * and the model configuration/readiness endpoints: `POST /v2/repository/models/{m}/load` with
 * `{"parameters":{"config":"<model config JSON>"}}` reloads the model (not ready for `reloadMs`, then ready
 * with the new config); `GET /v2/models/{m}/config`; `GET /v2/models/{m}/ready` (200 ready, 400 not);
 * errors as `{"error":"..."}`. A config whose max_batch_size exceeds `maxBatchLimit` is refused, as Triton
 * refuses a config its backend cannot serve.
 */
export class TritonStandIn {
  config: Record<string, any>;
  ready = true;
  readonly requests: Array<{ method: string; path: string; body: any; status: number }> = [];
  reloadMs = 150;
  maxBatchLimit = 64;
  url = '';
  private readonly server: Server;
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly model: string,
    config: Record<string, any>,
  ) {
    this.config = structuredClone(config);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, body?: unknown) => {
      this.requests.push({
        method: req.method ?? '',
        path,
        body: text ? JSON.parse(text) : undefined,
        status,
      });
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const m = this.model;
    if (req.method === 'GET' && path === '/v2/health/ready') return send(this.ready ? 200 : 400);
    if (req.method === 'GET' && path === `/v2/models/${m}/ready`) return send(this.ready ? 200 : 400);
    if (req.method === 'GET' && path === `/v2/models/${m}/config`) {
      return this.ready
        ? send(200, this.config)
        : send(400, { error: `Request for unknown model: '${m}' is not found` });
    }
    if (req.method === 'POST' && path === `/v2/repository/models/${m}/load`) {
      let config: Record<string, any>;
      try {
        const body = JSON.parse(text);
        if (typeof body.parameters?.config !== 'string') throw new Error('config must be a string');
        config = JSON.parse(body.parameters.config);
      } catch (error) {
        return send(400, { error: `failed to parse the request JSON buffer: ${(error as Error).message}` });
      }
      if (config.name !== m) {
        return send(400, { error: `failed to load '${m}', config name '${config.name}' does not match` });
      }
      if ((config.max_batch_size ?? 0) > this.maxBatchLimit) {
        return send(400, {
          error: `failed to load '${m}' version 1: Invalid argument: model '${m}' max_batch_size ${config.max_batch_size} exceeds the backend's limit ${this.maxBatchLimit}`,
        });
      }
      this.ready = false;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.config = config;
        this.ready = true;
      }, this.reloadMs);
      this.timers.add(t);
      return send(200);
    }
    if (req.method === 'POST' && path.startsWith('/v2/repository/models/')) {
      return send(400, {
        error: `failed to load '${path.split('/')[4]}', failed to poll from model repository`,
      });
    }
    return send(404, { error: 'Not Found' });
  }
}
