// The floor of a paced open-model sender in Node: ~40 lines, raw keep-alive sockets, a pre-built request,
// one `setTimeout` per scheduler turn (1 ms-grained), no histograms, no validation, no windows. Not a tool:
// a yardstick for what the event loop's wake-ups cost per request on this machine, measured in the same run.
// Usage: node bench/run-node-paced.mjs '{"target":"http://127.0.0.1:PORT","rate":3000,"durationMs":8000}'
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { contextSwitches, wakesPerRequest } from './proc.mjs';

const args = JSON.parse(process.argv[2] ?? '{}');
const url = new URL(args.target);
const body = '{"inputs":[{"name":"input-0","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}';
const request = `POST /v2/models/m/infer HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;

function run(rate, durationMs) {
  return new Promise((resolve) => {
    const idle = [];
    const sockets = [];
    const gapMs = 1000 / rate;
    const total = Math.round((rate * durationMs) / 1000);
    let next = 0;
    let completed = 0;
    let late = 0;
    const t0 = performance.now() + 5;
    const connect = () => {
      const socket = net.connect(Number(url.port), url.hostname);
      socket.setNoDelay(true);
      sockets.push(socket);
      // The bench target answers each request in one small write: one 'data' event per response.
      socket.on('data', () => {
        completed += 1;
        idle.push(socket);
        pump();
        if (completed === total) {
          for (const s of sockets) s.destroy();
          resolve({ completed, late });
        }
      });
      return socket;
    };
    const pump = () => {
      const now = performance.now();
      while (next < total && t0 + next * gapMs <= now) {
        if (now - (t0 + next * gapMs) > 1) late += 1;
        (idle.pop() ?? connect()).write(request);
        next += 1;
      }
    };
    const tick = () => {
      pump();
      if (next < total) setTimeout(tick, Math.max(1, t0 + next * gapMs - performance.now()));
    };
    setTimeout(tick, 5);
  });
}

await run(Math.min(args.rate, 500), 500); // warm-up, not measured
const switches0 = contextSwitches();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = await run(args.rate, args.durationMs);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuUs = cpu.user + cpu.system;
process.stdout.write(
  `${JSON.stringify({
    tool: 'node-paced',
    cpuUs,
    cpuUsPerRequest: cpuUs / result.completed,
    wakesPerRequest: wakesPerRequest(switches0, contextSwitches(), result.completed),
    wallMs,
    achievedRate: result.completed / (args.durationMs / 1000),
    completed: result.completed,
    late: result.late,
    lateRatio: result.late / result.completed,
  })}\n`,
);
