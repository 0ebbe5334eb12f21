import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Error, Http1Pool, type Http1ResponseHandler } from './http1.ts';

interface Result {
  status: number;
  body: string;
  error?: Error;
}

/** A raw TCP server: `reply(request, socket)` writes whatever bytes a test wants, however split. */
async function rawServer(reply: (request: string, socket: Socket, index: number) => void): Promise<{
  server: Server;
  origin: string;
  requests: string[];
  connections: () => number;
}> {
  const requests: string[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.slice(0, end + 4);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        requests.push(request);
        reply(request, socket, requests.length - 1);
      }
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  return { server, origin: `http://127.0.0.1:${address.port}`, requests, connections: () => connections };
}

function send(
  pool: Http1Pool,
  options: { method?: string; path?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status = 0;
    const handler: Http1ResponseHandler = {
      wantsBody: true,
      onHead: (code) => {
        status = code;
      },
      onData: (chunk) => chunks.push(Buffer.from(chunk)),
      onEnd: () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }),
      onError: (error) => resolve({ status, body: Buffer.concat(chunks).toString('utf8'), error }),
    };
    pool.request(
      options.method ?? 'POST',
      options.path ?? '/infer',
      options.headers ?? { 'content-type': 'application/json' },
      options.body ?? (options.method === 'GET' ? undefined : '{"x":1}'),
      handler,
    );
  });
}

/** Writes `bytes` one byte per write with a tick between, so every parser state sees a split. */
async function dribble(socket: Socket, bytes: string): Promise<void> {
  for (const byte of bytes) {
    socket.write(byte, 'latin1');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const servers: Server[] = [];
const pools: Http1Pool[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) pool.destroy();
  for (const server of servers.splice(0)) server.close();
});

async function setup(reply: (request: string, socket: Socket, index: number) => void, connections = 4) {
  const raw = await rawServer(reply);
  servers.push(raw.server);
  const pool = new Http1Pool(raw.origin, { connections });
  pools.push(pool);
  return { ...raw, pool };
}

describe('Http1Pool', () => {
  it('writes a correct request head with host, content-length (utf8 bytes) and the caller headers', async () => {
    const { pool, requests, origin } = await setup((_request, socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
    const body = '{"name":"Adélie"}';
    const result = await send(pool, { body, headers: { 'content-type': 'application/json', 'x-run': 'r1' } });
    expect(result).toEqual({ status: 200, body: 'ok' });
    const request = requests[0] ?? '';
    expect(request.startsWith('POST /infer HTTP/1.1\r\n')).toBe(true);
    expect(request).toContain(`host: ${new URL(origin).host}\r\n`);
    expect(request).toContain('x-run: r1\r\n');
    expect(request).toContain(`content-length: ${Buffer.byteLength(body)}\r\n`);
    expect(Buffer.byteLength(body)).toBe(body.length + 1); // é is two bytes: length must be bytes
    expect(Buffer.from(request, 'latin1').toString('utf8').endsWith(body)).toBe(true);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const { pool, connections } = await setup((_request, socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx');
    });
    for (let i = 0; i < 5; i++) expect((await send(pool)).status).toBe(200);
    expect(connections()).toBe(1);
  });

  it('parses Content-Length bodies split at every byte', async () => {
    const { pool } = await setup((_request, socket) => {
      void dribble(socket, 'HTTP/1.1 201 Created\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world');
    });
    expect(await send(pool)).toEqual({ status: 201, body: 'hello world' });
  });

  it('parses chunked bodies (extensions, trailers) split at every byte, then reuses the connection', async () => {
    const { pool, connections } = await setup((_request, socket) => {
      void dribble(
        socket,
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n',
      );
    });
    expect(await send(pool)).toEqual({ status: 200, body: 'hello 0123456789' });
    expect(await send(pool)).toEqual({ status: 200, body: 'hello 0123456789' });
    expect(connections()).toBe(1);
  });

  it('parses a whole chunked response that arrives in one write', async () => {
    const { pool } = await setup((_request, socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    });
    expect(await send(pool)).toEqual({ status: 200, body: 'abc' });
  });

  it('skips interim 1xx responses', async () => {
    const { pool } = await setup((_request, socket) => {
      socket.write(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy',
      );
    });
    expect(await send(pool)).toEqual({ status: 503, body: 'busy' });
  });

  it('reads a body without length until the server closes, and opens a new connection after', async () => {
    const { pool, connections } = await setup((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close');
    });
    expect(await send(pool)).toEqual({ status: 200, body: 'until close' });
    expect(await send(pool)).toEqual({ status: 200, body: 'until close' });
    expect(connections()).toBe(2);
  });

  it('closes the connection after `connection: close`', async () => {
    const { pool, connections } = await setup((_request, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok');
    });
    await send(pool);
    await send(pool);
    expect(connections()).toBe(2);
  });

  it('has no body for 204 and for HEAD', async () => {
    const { pool } = await setup((request, socket) => {
      if (request.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n');
      else socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    });
    expect(await send(pool)).toEqual({ status: 204, body: '' });
    expect(await send(pool, { method: 'HEAD' })).toEqual({ status: 200, body: '' });
  });

  it('retries once on a fresh connection when a reused keep-alive connection was closed by the server', async () => {
    // The server drops the second request on the reused connection unanswered (its idle close crossed our write).
    const { pool, connections, requests } = await setup((_request, socket, index) => {
      if (index === 1) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
    expect((await send(pool)).status).toBe(200);
    expect(await send(pool)).toEqual({ status: 200, body: 'ok' });
    expect(requests).toHaveLength(3);
    expect(connections()).toBe(2);
  });

  it('does not retry a failure on a fresh connection', async () => {
    const { pool, requests } = await setup((_request, socket) => socket.destroy());
    const result = await send(pool);
    expect(result.error).toBeInstanceOf(Error);
    expect(requests).toHaveLength(1);
  });

  it('reports a reset mid-response as an error, without a retry', async () => {
    const { pool, requests } = await setup((_request, socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc');
      setTimeout(() => socket.destroy(), 10);
    });
    const result = await send(pool);
    expect(result.error).toBeInstanceOf(Error);
    expect(result.body).toBe('abc');
    expect(requests).toHaveLength(1);
  });

  it('reports a refused connection as an error', async () => {
    const { server, origin } = await rawServer(() => {});
    server.close();
    await once(server, 'close');
    const pool = new Http1Pool(origin, { connections: 1 });
    pools.push(pool);
    const result = await send(pool);
    expect((result.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('fails on a malformed response (bad chunk size, not HTTP)', async () => {
    const { pool } = await setup((request, socket) => {
      if (request.includes('/chunk'))
        socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n');
      else socket.write('SSH-2.0-OpenSSH\r\n\r\n');
    });
    const chunk = await send(pool, { path: '/chunk' });
    expect(chunk.error).toBeInstanceOf(Http1Error);
    expect(chunk.error?.message).toContain('bad chunk size "zz"');
    const notHttp = await send(pool, { path: '/x' });
    expect(notHttp.error?.message).toContain('not an HTTP/1.x response');
  });

  it('abort() destroys the connection and calls no handler', async () => {
    const { pool } = await setup(() => {}); // never answers
    let called = false;
    const request = pool.request('GET', '/', {}, undefined, {
      wantsBody: false,
      onHead: () => {
        called = true;
      },
      onData: () => {},
      onEnd: () => {
        called = true;
      },
      onError: () => {
        called = true;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    request.abort();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(called).toBe(false);
    expect(pool.size).toBe(0);
  });

  it('refuses header values with line breaks and more requests than connections', async () => {
    const { pool } = await setup(() => {});
    const handler: Http1ResponseHandler = {
      wantsBody: false,
      onHead: () => {},
      onData: () => {},
      onEnd: () => {},
      onError: () => {},
    };
    expect(() => pool.request('GET', '/', { 'x-a': 'one\r\nx-b: two' }, undefined, handler)).toThrow(
      /line break/,
    );
    pool.request('GET', '/', {}, undefined, handler);
    pool.request('GET', '/', {}, undefined, handler);
    pool.request('GET', '/', {}, undefined, handler);
    pool.request('GET', '/', {}, undefined, handler);
    expect(() => pool.request('GET', '/', {}, undefined, handler)).toThrow(/all 4 connections are busy/);
  });
});
