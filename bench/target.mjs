// Bench target: a plain node:http server answering a KServe V2 inference body, in its own process.
// Control (GET, resets the counters): /__ctl?delayMs=20&stallAfterMs=3000&stallMs=1000
//   delayMs: fixed added delay of every answer; stallAfterMs/stallMs: a stall that starts stallAfterMs after the
//   first inference request following this call; every request that arrives during it is held until it ends.
// Stats (GET): /__stats → { firstAt, stallFrom, stallUntil, count, holdP50Ms, holdP99Ms } (epoch ms, sub-ms
//   precision). hold = time from the request's last byte to the answer, as the server measured it: the truth
//   a client's latency should match (plus loopback transfer, tens of µs).
// The added delay is precise to tens of µs: a timer to 2 ms before the end, then polling with setImmediate
// (Node timers alone fire up to ~1 ms late). This keeps the target's CPU busy while answers are pending: it
// runs pinned to its own CPU.
// Prints `listening <port>` on stdout once ready. Loopback only.
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

const BODY = JSON.stringify({
  model_name: 'm',
  model_version: '1',
  id: 'bench',
  outputs: [{ name: 'output-0', shape: [1, 2], datatype: 'FP32', data: [0.25, 0.75] }],
});
const HEADERS = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) };
const epochNow = () => performance.timeOrigin + performance.now();

let cfg = { delayMs: 0, stallAfterMs: -1, stallMs: 0 };
let stats = { firstAt: null, stallFrom: null, stallUntil: null, count: 0 };
/** Hold times (ms) of the answers since the last /__ctl. */
let holds = [];

function answer(res, receivedAt) {
  res.writeHead(200, HEADERS);
  res.end(BODY);
  holds.push(performance.now() - receivedAt);
}

/** Answers at performance.now() ≥ until: a timer for the bulk, then polling for the last 2 ms. */
function answerAt(res, receivedAt, until) {
  const remaining = until - performance.now();
  if (remaining <= 0) answer(res, receivedAt);
  else if (remaining > 2) setTimeout(answerAt, remaining - 2, res, receivedAt, until);
  else setImmediate(answerAt, res, receivedAt, until);
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const server = createServer((req, res) => {
  const url = req.url ?? '';
  if (url.startsWith('/__ctl')) {
    const q = new URL(url, 'http://x').searchParams;
    cfg = {
      delayMs: Number(q.get('delayMs') ?? 0),
      stallAfterMs: Number(q.get('stallAfterMs') ?? -1),
      stallMs: Number(q.get('stallMs') ?? 0),
    };
    stats = { firstAt: null, stallFrom: null, stallUntil: null, count: 0 };
    holds = [];
    res.end('{}');
    return;
  }
  if (url.startsWith('/__stats')) {
    res.end(JSON.stringify({ ...stats, holdP50Ms: percentile(holds, 50), holdP99Ms: percentile(holds, 99) }));
    return;
  }
  const at = epochNow();
  stats.count += 1;
  if (stats.firstAt === null) {
    stats.firstAt = at;
    if (cfg.stallAfterMs >= 0) {
      stats.stallFrom = at + cfg.stallAfterMs;
      stats.stallUntil = stats.stallFrom + cfg.stallMs;
    }
  }
  req.resume();
  req.on('end', () => {
    const receivedAt = performance.now();
    let wait = cfg.delayMs;
    if (stats.stallFrom !== null && at >= stats.stallFrom && at < stats.stallUntil) {
      wait = Math.max(wait, stats.stallUntil - epochNow());
    }
    if (wait > 0) answerAt(res, receivedAt, receivedAt + wait);
    else answer(res, receivedAt);
  });
});
server.keepAliveTimeout = 60_000;
server.maxRequestsPerSocket = 0;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
