import { connect } from 'node:net';

/** True when GET `url` answers 2xx within `timeoutMs`. */
export async function httpReady(
  url: string,
  timeoutMs = 1000,
  headers: Record<string, string> = {},
): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** True when a Redis server at host:port answers PING with PONG. */
export function redisReady(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
