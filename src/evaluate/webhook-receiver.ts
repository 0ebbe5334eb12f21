import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FiredrillError } from '../core/errors.ts';
import { type HeldListener, holdListener } from '../core/held-listener.ts';
import { alertLabels } from './labels.ts';
import type { Notification, RejectedNotification, WebhookTally } from './types.ts';

/** How many refused POSTs are reported one by one (onRejected, `rejections`); later ones are only counted. */
export const REJECTIONS_KEPT = 100;

export interface WebhookReceiverOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** A port the stack holds: the receiver borrows it (host and port are then its) instead of listening. */
  listener?: HeldListener;
  /**
   * The run's webhook secret: a POST is accepted only with `Authorization: Bearer <secret>` (what Alertmanager's
   * `http_config.authorization` sends); anything else gets 401 and is counted. Must not be empty.
   */
  secret: string;
  /** Called once per alert in each accepted POST, before the 200 is sent. Never called concurrently; do not block. */
  onNotification: (notification: Notification) => void;
  /**
   * Called for each of the first REJECTIONS_KEPT POSTs refused for want of the secret, after the 401 is sent
   * (later ones are only counted in `tally()`). Never called concurrently; do not block.
   */
  onRejected: (rejection: RejectedNotification) => void;
  /** Epoch-ms clock shared with the run: `receivedAt`. */
  now: () => number;
  /** Largest accepted body, bytes (default 4 MiB). */
  maxBodyBytes?: number;
}

export interface WebhookReceiver {
  /** The URL to put in Alertmanager's webhook_configs (path /alertmanager; any path is accepted). */
  url: string;
  port: number;
  /** Notifications accepted and POSTs refused so far. */
  tally(): WebhookTally;
  close(): Promise<void>;
}

/** Alertmanager webhook payload, version 4. */
interface WebhookBody {
  version?: string;
  status?: string;
  receiver?: string;
  alerts?: Array<{
    status?: string;
    labels?: Record<string, string>;
    startsAt?: string;
    endsAt?: string;
  }>;
}

/**
 * An Alertmanager webhook receiver (v4 payloads) on node:http. A POST must carry the run's secret as
 * `Authorization: Bearer <secret>` (compared in constant time); without it: 401, the body is not read, nothing
 * is delivered, and the refusal is counted. An accepted body is parsed and turned into one Notification per
 * alert, timed at arrival; Alertmanager gets its 200 at once. Bad JSON → 400; other methods → 405.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const host = options.host ?? '127.0.0.1';
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  if (!options.secret) throw new Error('the webhook receiver needs a non-empty secret');
  const expected = digest(options.secret);
  const tally: WebhookTally = { accepted: 0, rejected: 0, rejections: [] };
  let ended = false;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      reply(res, 405, 'POST Alertmanager webhook payloads here\n');
      return;
    }
    const refused = checkSecret(req.headers.authorization, expected);
    if (refused !== undefined) {
      const rejection: RejectedNotification = {
        at: options.now(),
        remoteAddress: req.socket.remoteAddress ?? 'unknown',
        reason: refused,
      };
      req.resume(); // the body is discarded unread
      res.setHeader('www-authenticate', 'Bearer realm="firedrill webhook"');
      reply(res, 401, "this webhook needs the run's secret as Authorization: Bearer <secret>\n");
      tally.rejected += 1;
      if (tally.rejections.length < REJECTIONS_KEPT) {
        tally.rejections.push(rejection);
        options.onRejected(rejection);
      }
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBody) chunks.push(chunk);
    });
    req.on('end', () => {
      if (ended) {
        reply(res, 503, 'the run this notification was sent to has ended\n');
        return;
      }
      const receivedAt = options.now();
      if (size > maxBody) {
        reply(res, 413, 'payload too large\n');
        return;
      }
      const parsed = parseWebhook(Buffer.concat(chunks).toString('utf8'), receivedAt);
      if (!parsed.ok) {
        reply(res, 400, `${parsed.error}\n`);
        return;
      }
      try {
        for (const notification of parsed.notifications) {
          options.onNotification(notification);
          tally.accepted += 1;
        }
      } catch (error) {
        reply(res, 500, `receiver failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return;
      }
      reply(res, 200, 'ok\n');
    });
    req.on('error', () => res.destroy());
  };

  // A port the stack holds is borrowed; otherwise the receiver holds one of its own for its lifetime.
  const listener =
    options.listener ??
    (await holdListener(host, options.port ?? 0, 'closed').catch((error: Error) => {
      throw new FiredrillError(
        'FD_STACK_START',
        `cannot listen for Alertmanager webhooks on ${host}:${options.port ?? 0}: ${error.message}`,
        { hint: 'pick another port, or 0 for a free one', cause: error },
      );
    }));
  const own = listener === options.listener ? undefined : listener;
  const giveBack = listener.lend(handle);
  const hostInUrl = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
  return {
    url: `http://${hostInUrl}:${listener.port}/alertmanager`,
    port: listener.port,
    tally: () => ({ ...tally, rejections: [...tally.rejections] }),
    close: async () => {
      // A body still arriving when the run ends is not delivered to it: 503, and Alertmanager sends it again.
      ended = true;
      giveBack();
      await own?.close();
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Undefined when the header carries the secret; otherwise why not. Equal-length digests: constant time. */
function checkSecret(
  authorization: string | undefined,
  expected: Buffer,
): RejectedNotification['reason'] | undefined {
  if (!authorization) return 'missing-secret';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match === null) return 'wrong-secret';
  return timingSafeEqual(digest(match[1]!), expected) ? undefined : 'wrong-secret';
}

function reply(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Pure: one Notification per alert of a webhook v4 body. */
export function parseWebhook(
  text: string,
  receivedAt: number,
): { ok: true; notifications: Notification[] } | { ok: false; error: string } {
  let body: WebhookBody;
  try {
    body = JSON.parse(text) as WebhookBody;
  } catch {
    return { ok: false, error: 'body is not JSON' };
  }
  if (!body || typeof body !== 'object' || !Array.isArray(body.alerts)) {
    return { ok: false, error: 'expected an Alertmanager webhook payload with an "alerts" array' };
  }
  const notifications: Notification[] = [];
  for (const alert of body.alerts) {
    const labels = alert?.labels && typeof alert.labels === 'object' ? alert.labels : {};
    const startsAt = alert?.startsAt ? Date.parse(alert.startsAt) : Number.NaN;
    const status = alert?.status === 'resolved' ? 'resolved' : 'firing';
    notifications.push({
      name: labels.alertname ?? '',
      labels: alertLabels(labels),
      status,
      receivedAt,
      startsAt: Number.isFinite(startsAt) ? startsAt : receivedAt,
      // A firing alert's endsAt is Go's zero time, or a provisional expiry: neither is an end.
      endsAt: status === 'resolved' ? parseEndsAt(alert?.endsAt) : null,
      receiver: typeof body.receiver === 'string' ? body.receiver : '',
    });
  }
  return { ok: true, notifications };
}

/** `0001-01-01T00:00:00Z` (Go's zero time) means "still firing". */
function parseEndsAt(text: string | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || new Date(ms).getUTCFullYear() <= 1) return null;
  return ms;
}
