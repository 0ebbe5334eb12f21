import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * A lean HTTP/1.1 client for the open engine's hot path: keep-alive connections, one request per connection at
 * a time (no pipelining), request heads serialized once per header object, and a small response parser that
 * frames bodies by Content-Length, chunked transfer coding or connection close. It does only what a load
 * generator needs, so a request costs a few µs of CPU where a general client costs tens (see bench/engines).
 *
 * Contract:
 * - `request()` writes at once on an idle connection, or on a new one (connecting); the caller bounds
 *   concurrency (at most `connections` requests in flight; one more is a programming error and throws).
 * - Exactly one of `onEnd` / `onError` is called per request, unless the caller `abort()`s it first (then none).
 * - A request that fails on a reused keep-alive connection before any response byte arrived (the server closed
 *   the idle connection as we wrote) is retried once on a fresh connection, as browsers and undici do.
 * - Timeouts are the caller's: it aborts requests it no longer waits for.
 */

/** Receives one response. Called on the event loop; must not throw. */
export interface Http1ResponseHandler {
  /** Body chunks are delivered to `onData` only when this is true (else they are counted and dropped). */
  readonly wantsBody: boolean;
  onHead(status: number): void;
  /** A view of the connection's read buffer, valid only during the call: copy what you keep. */
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(error: Error): void;
}

export interface Http1PoolOptions {
  /** Most open connections (= most requests in flight). */
  connections: number;
  /** Extra headers on every request (lower-case names). */
  defaultHeaders?: Record<string, string>;
  /** TLS only: verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
}

/** Error of the client itself (bad response framing, unsupported response), with a stable code. */
export class Http1Error extends Error {
  override readonly name = 'Http1Error';
  constructor(
    readonly code: 'HTTP1_PARSE' | 'HTTP1_CLOSED' | 'HTTP1_POOL_FULL' | 'HTTP1_BAD_HEADER',
    message: string,
  ) {
    super(message);
  }
}

/** Longest response head accepted, bytes. */
const MAX_HEAD_BYTES = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

enum State {
  Idle,
  Head,
  BodyLength,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  BodyUntilClose,
}

/** One in-flight request as the pool tracks it. */
export interface Http1Request {
  /** Stop waiting: the connection is destroyed (its state is unknown) and no handler callback follows. */
  abort(): void;
}

class Exchange implements Http1Request {
  connection: Connection | null = null;
  retried = false;
  constructor(
    readonly pool: Http1Pool,
    readonly payload: string,
    readonly noBody: boolean,
    readonly handler: Http1ResponseHandler,
  ) {}

  abort(): void {
    const connection = this.connection;
    this.connection = null;
    if (connection !== null && connection.exchange === this) {
      connection.exchange = null;
      connection.destroy();
    }
  }
}

class Connection {
  readonly socket: Socket;
  exchange: Exchange | null = null;
  state = State.Idle;
  /** Bytes of an incomplete response head, or of an incomplete chunk-size/trailer line. */
  partial: Buffer | null = null;
  /** Body bytes still due (Content-Length), or of the current chunk. */
  remaining = 0;
  keepAlive = true;
  /** A response completed on this connection before (so a failure may be a stale keep-alive). */
  reused = false;
  /** Response bytes seen for the current exchange. */
  gotBytes = false;
  closed = false;

  constructor(readonly pool: Http1Pool) {
    const { host, port, tls } = pool.address;
    this.socket = tls
      ? tlsConnect({
          host,
          port,
          servername: pool.servername,
          ALPNProtocols: ['http/1.1'],
          rejectUnauthorized: pool.rejectUnauthorized,
        })
      : netConnect({
          host,
          port,
          // Plain TCP reads go straight into the pool's one scratch buffer (no per-read allocation, no stream
          // machinery); every read is parsed before the callback returns, so nothing holds on to it.
          onread: { buffer: pool.scratch, callback: (length, buffer) => this.onRead(length, buffer) },
        });
    this.socket.setNoDelay(true);
    if (tls) this.socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    this.socket.on('end', () => this.onSocketEnd());
    this.socket.on('error', (error: Error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Http1Error('HTTP1_CLOSED', 'connection closed')));
  }

  send(exchange: Exchange): void {
    this.exchange = exchange;
    exchange.connection = this;
    this.state = State.Head;
    this.gotBytes = false;
    this.partial = null;
    this.socket.write(exchange.payload);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.forget(this);
    this.socket.destroy();
  }

  private onRead(length: number, buffer: Uint8Array): boolean {
    this.onSocketData(Buffer.from(buffer.buffer, buffer.byteOffset, length));
    return true;
  }

  private onSocketData(chunk: Buffer): void {
    const exchange = this.exchange;
    if (exchange === null) {
      // Bytes nobody asked for (no pipelining): the connection's framing can no longer be trusted.
      this.destroy();
      return;
    }
    this.gotBytes = true;
    try {
      this.parse(exchange, chunk);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** End of the server's stream: completes a close-delimited body, else fails what is in flight. */
  private onSocketEnd(): void {
    const exchange = this.exchange;
    if (exchange !== null && this.state === State.BodyUntilClose) {
      this.keepAlive = false;
      this.complete(exchange);
      return;
    }
    this.fail(new Http1Error('HTTP1_CLOSED', 'the server closed the connection before the response ended'));
  }

  /** Ends the connection; the exchange on it (if any) is retried once (stale keep-alive) or fails. */
  private fail(error: Error): void {
    const exchange = this.exchange;
    this.exchange = null;
    this.destroy();
    if (exchange === null) return;
    exchange.connection = null;
    if (this.reused && !this.gotBytes && !exchange.retried) {
      exchange.retried = true;
      this.pool.dispatch(exchange, true);
      return;
    }
    exchange.handler.onError(error);
  }

  private complete(exchange: Exchange): void {
    this.exchange = null;
    exchange.connection = null;
    this.state = State.Idle;
    this.partial = null;
    this.reused = true;
    if (this.keepAlive) this.pool.release(this);
    else this.destroy();
    exchange.handler.onEnd();
  }

  /** Response parser: consumes `chunk` from `at`, possibly completing the exchange. */
  private parse(exchange: Exchange, chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.exchange !== exchange) {
        // The response ended (or was aborted) with bytes left over: unframed data on a keep-alive connection.
        this.destroy();
        return;
      }
      switch (this.state) {
        case State.Head: {
          const end = this.findHeadEnd(chunk, at);
          if (end < 0) return;
          at = end;
          break;
        }
        case State.BodyLength:
          at = this.passBody(exchange, chunk, at);
          if (this.remaining === 0) this.complete(exchange);
          break;
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers: {
          const line = this.readLine(chunk, at);
          if (line === null) return;
          at = line.next;
          this.onLine(exchange, line.text);
          break;
        }
        case State.ChunkData:
          at = this.passBody(exchange, chunk, at);
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          break;
        case State.BodyUntilClose: {
          if (exchange.handler.wantsBody) exchange.handler.onData(at === 0 ? chunk : chunk.subarray(at));
          return;
        }
        case State.Idle:
          this.destroy();
          return;
      }
    }
  }

  /** Hands up to `remaining` body bytes from `at` to the handler; returns the offset after them. */
  private passBody(exchange: Exchange, chunk: Buffer, at: number): number {
    const take = Math.min(this.remaining, chunk.length - at);
    if (exchange.handler.wantsBody) exchange.handler.onData(chunk.subarray(at, at + take));
    this.remaining -= take;
    return at + take;
  }

  /** Handles one line of the chunked coding (size line, the CRLF after data, trailers). */
  private onLine(exchange: Exchange, text: string): void {
    if (this.state === State.ChunkDataEnd) {
      if (text !== '') throw new Http1Error('HTTP1_PARSE', 'chunk data not followed by CRLF');
      this.state = State.ChunkSize;
      return;
    }
    if (this.state === State.Trailers) {
      if (text === '') this.complete(exchange);
      return;
    }
    const semicolon = text.indexOf(';');
    const hex = (semicolon < 0 ? text : text.slice(0, semicolon)).trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Http1Error('HTTP1_PARSE', `bad chunk size "${hex}"`);
    const size = Number.parseInt(hex, 16);
    if (size === 0) this.state = State.Trailers;
    else {
      this.remaining = size;
      this.state = State.ChunkData;
    }
  }

  /**
   * Reads from `at` up to the next `delimiter`, across reads: an incomplete run is buffered in `partial` (at
   * most `limit` bytes, else `tooLong` is the parse error). Returns the text (latin1) up to the delimiter plus
   * its first `keep` bytes, and the offset in `chunk` just after the delimiter; null until it arrives.
   */
  private readUntil(
    chunk: Buffer,
    at: number,
    delimiter: Buffer,
    keep: number,
    limit: number,
    tooLong: string,
  ): { text: string; next: number } | null {
    const carried = this.partial;
    const source = carried === null ? chunk : Buffer.concat([carried, chunk.subarray(at)]);
    const from = carried === null ? at : 0;
    const end = source.indexOf(delimiter, from);
    if (end < 0) {
      if (source.length - from > limit) throw new Http1Error('HTTP1_PARSE', tooLong);
      this.partial = Buffer.from(source.subarray(from));
      return null;
    }
    this.partial = null;
    const after = end + delimiter.length;
    return {
      text: source.toString('latin1', from, end + keep),
      next: carried === null ? after : after - carried.length + at,
    };
  }

  /** Reads one CRLF-terminated line of the chunked coding (without its CRLF). */
  private readLine(chunk: Buffer, at: number): { text: string; next: number } | null {
    return this.readUntil(chunk, at, CRLF, 0, 1024, 'chunk-size line too long');
  }

  /** Finds and parses the response head; returns the offset in `chunk` just after it, or -1 when incomplete. */
  private findHeadEnd(chunk: Buffer, at: number): number {
    const head = this.readUntil(
      chunk,
      at,
      CRLFCRLF,
      2, // the head keeps the CRLF of its last header line
      MAX_HEAD_BYTES,
      `response head over ${MAX_HEAD_BYTES} bytes`,
    );
    if (head === null) return -1;
    this.onHead(head.text);
    return head.next;
  }

  /** Parses a response head (status line + header lines, each ending in CRLF) and sets the body framing. */
  private onHead(head: string): void {
    const exchange = this.exchange as Exchange;
    if (!head.startsWith('HTTP/1.')) {
      throw new Http1Error('HTTP1_PARSE', `not an HTTP/1.x response: "${head.slice(0, 40)}"`);
    }
    const status = Number.parseInt(head.slice(9, 12), 10);
    if (!(status >= 100 && status <= 999)) {
      throw new Http1Error('HTTP1_PARSE', `bad status line "${head.slice(0, head.indexOf('\r\n'))}"`);
    }
    if (status >= 100 && status < 200) {
      if (status === 101) throw new Http1Error('HTTP1_PARSE', 'protocol upgrade (101) is not supported');
      this.state = State.Head; // interim response (100 Continue, 103 Early Hints): the real one follows
      return;
    }
    const lower = head.toLowerCase();
    const http10 = head.charCodeAt(7) === 48; // 'HTTP/1.0'
    const connection = headerValue(lower, 'connection');
    this.keepAlive = http10 ? connection === 'keep-alive' : !/(^|,)\s*close\s*(,|$)/.test(connection ?? '');
    exchange.handler.onHead(status);
    if (this.exchange !== exchange) return; // the handler aborted
    const transferEncoding = headerValue(lower, 'transfer-encoding');
    const contentLength = headerValue(lower, 'content-length');
    if (exchange.noBody || status === 204 || status === 304) {
      this.complete(exchange);
    } else if (transferEncoding !== undefined && /(^|,)\s*chunked\s*$/.test(transferEncoding)) {
      this.state = State.ChunkSize;
    } else if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength)) {
        throw new Http1Error('HTTP1_PARSE', `bad content-length "${contentLength}"`);
      }
      this.remaining = Number(contentLength);
      if (this.remaining === 0) this.complete(exchange);
      else this.state = State.BodyLength;
    } else {
      this.keepAlive = false;
      this.state = State.BodyUntilClose;
    }
  }
}

/** Value of header `name` in a lower-cased head (the first one; trimmed), or undefined. */
function headerValue(lowerHead: string, name: string): string | undefined {
  const at = lowerHead.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const from = at + name.length + 3;
  const end = lowerHead.indexOf('\r\n', from);
  return lowerHead.slice(from, end < 0 ? undefined : end).trim();
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Serializes header lines once per header object (a factory usually returns the same object every time). */
function headerBlock(headers: Record<string, string>, cache: WeakMap<object, string>): string {
  let block = cache.get(headers);
  if (block !== undefined) return block;
  block = '';
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding') continue; // ours
    if (!TOKEN.test(name)) throw new Http1Error('HTTP1_BAD_HEADER', `header name "${name}" is not a token`);
    if (/[\r\n\0]/.test(value)) {
      throw new Http1Error('HTTP1_BAD_HEADER', `header "${name}" has a line break or NUL in its value`);
    }
    block += `${name}: ${value}\r\n`;
  }
  cache.set(headers, block);
  return block;
}

export class Http1Pool {
  readonly address: { host: string; port: number; tls: boolean };
  readonly servername: string | undefined;
  readonly rejectUnauthorized: boolean;
  private readonly maxConnections: number;
  private readonly hostHeader: string;
  private readonly headerCache = new WeakMap<object, string>();
  /** Read buffer shared by the pool's plain connections (reads are handled one at a time, synchronously). */
  readonly scratch = Buffer.allocUnsafe(64 * 1024);
  /** Idle keep-alive connections, most recently used last (reused first: keeps few sockets warm). */
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private closing = false;

  constructor(origin: string, options: Http1PoolOptions) {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Http1Error('HTTP1_PARSE', `unsupported protocol ${url.protocol} (http: or https:)`);
    }
    const tls = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.address = { host, port: Number(url.port || (tls ? 443 : 80)), tls };
    this.servername = tls && !/^[\d.]+$|:/.test(host) ? host : undefined;
    this.rejectUnauthorized = options.rejectUnauthorized ?? true;
    this.maxConnections = options.connections;
    let hostBlock = `host: ${url.host}\r\n`;
    for (const [name, value] of Object.entries(options.defaultHeaders ?? {}))
      hostBlock += `${name}: ${value}\r\n`;
    this.hostHeader = hostBlock;
  }

  /** Connections open now (idle or busy). */
  get size(): number {
    return this.open.size;
  }

  /**
   * Sends one request. `path` starts with '/'; `body` (utf8) gets a Content-Length. Throws Http1Error on a bad
   * header or when all connections are busy (the caller's in-flight cap must not exceed `connections`).
   */
  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    handler: Http1ResponseHandler,
  ): Http1Request {
    if (/[\s\0]/.test(path))
      throw new Http1Error('HTTP1_BAD_HEADER', `request path "${path}" has whitespace`);
    const length =
      body === undefined ? (method === 'GET' || method === 'HEAD' ? -1 : 0) : Buffer.byteLength(body);
    const payload =
      `${method} ${path} HTTP/1.1\r\n${this.hostHeader}${headerBlock(headers, this.headerCache)}` +
      (length >= 0 ? `content-length: ${length}\r\n\r\n` : '\r\n') +
      (body ?? '');
    const exchange = new Exchange(this, payload, method === 'HEAD', handler);
    this.dispatch(exchange, false);
    return exchange;
  }

  /** Puts `exchange` on an idle connection or a new one (`fresh`: never on a reused one). */
  dispatch(exchange: Exchange, fresh: boolean): void {
    if (this.closing) {
      queueMicrotask(() => exchange.handler.onError(new Http1Error('HTTP1_CLOSED', 'the pool is closed')));
      return;
    }
    let connection = fresh ? undefined : this.idle.pop();
    if (connection === undefined) {
      if (this.open.size >= this.maxConnections && this.idle.length > 0) this.idle.shift()?.destroy();
      if (this.open.size >= this.maxConnections) {
        throw new Http1Error('HTTP1_POOL_FULL', `all ${this.maxConnections} connections are busy`);
      }
      connection = new Connection(this);
      this.open.add(connection);
    }
    connection.send(exchange);
  }

  release(connection: Connection): void {
    if (this.closing) connection.destroy();
    else this.idle.push(connection);
  }

  forget(connection: Connection): void {
    this.open.delete(connection);
    const index = this.idle.lastIndexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
  }

  /** Closes idle connections now and busy ones as their responses end; `destroy` ends everything at once. */
  close(): void {
    this.closing = true;
    for (const connection of [...this.idle]) connection.destroy();
  }

  destroy(): void {
    this.closing = true;
    for (const connection of [...this.open]) {
      const exchange = connection.exchange;
      connection.exchange = null;
      connection.destroy();
      exchange?.handler.onError(new Http1Error('HTTP1_CLOSED', 'the pool was destroyed'));
    }
  }
}
