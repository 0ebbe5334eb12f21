// Bench target: a plain node:http server answering a KServe V2 inference body, in its own process.
// Control (GET, resets the counters): /__ctl?delayMs=20&stallAfterMs=3000&stallMs=1000
//   delayMs: fixed added delay of every answer; stallAfterMs/stallMs: a stall that starts stallAfterMs after the
//   first inference request following this call; every request that arrives during it is held until it ends.
// Stats (GET): /__stats → { firstAt, stallFrom, stallUntil, count } (epoch ms, sub-ms precision).
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

function answer(res) {
  res.writeHead(200, HEADERS);
  res.end(BODY);
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
    res.end('{}');
    return;
  }
  if (url.startsWith('/__stats')) {
    res.end(JSON.stringify(stats));
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
    let wait = cfg.delayMs;
    if (stats.stallFrom !== null && at >= stats.stallFrom && at < stats.stallUntil) {
      wait = Math.max(wait, stats.stallUntil - epochNow());
    }
    if (wait > 0) setTimeout(answer, wait, res);
    else answer(res);
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
