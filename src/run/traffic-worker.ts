import { parentPort, workerData } from 'node:worker_threads';
import { FiredrillError, isFiredrillError } from '../core/errors.ts';
import { createPayloadFactory, loadPayloadReference } from '../payload/index.ts';
import { prepare as prepareScenario } from './prepare.ts';
import { openRequestLog, type RequestLog } from './request-log.ts';
import { type BoundEngine, engineFor, prepareTraffic, type TrafficSetup } from './traffic-setup.ts';
import type { StepTraffic, ThreadInput, ThreadMessage, ToThread } from './traffic-thread.ts';

/**
 * The traffic thread: loads the scenario again (a scenario file is plain configuration, so it yields the same
 * plan), builds the payload factory, the validator and the engine, says `ready`, and runs the engine on
 * `start` (again on every `start`: in step-driven mode each `start` carries the stages of one step). It has an event loop of its own, so sends keep their schedule whatever the main thread is doing
 * (polling Alertmanager, serving metrics, writing the journal). Windows, progress and the summary go back as
 * messages; the request log, when asked for, is written here.
 */
const port = parentPort;
if (port === null) throw new Error('traffic-worker runs as a worker thread');
const input = workerData as ThreadInput;
const post = (message: ThreadMessage) => port.postMessage(message);
/** Aborts the run in progress; each `start` gets a fresh one, so the thread can run step after step. */
let abort = new AbortController();

function serializeError(error: unknown): Extract<ThreadMessage, { type: 'error' }>['error'] {
  if (isFiredrillError(error)) return { code: error.code, message: error.message, hint: error.hint };
  return {
    code: 'FD_INTERNAL',
    message: error instanceof Error ? error.message : String(error),
    hint: undefined,
  };
}

async function prepare() {
  const { scenario, plan } = await prepareScenario(input.scenarioFile, { backend: input.backend });
  const reference = await loadPayloadReference(scenario);
  const setup = prepareTraffic(scenario, input.scenarioFile);
  const engine = engineFor(setup, input.partition);
  const request = createPayloadFactory(scenario, plan, reference);
  return { scenario, setup, engine, request };
}

/**
 * The engine for one `start`: the scenario's own, or (step-driven mode, a capacity search) the engine of the
 * scenario's model with the step's stages in place of the scenario's.
 */
function engineForStart(
  setup: TrafficSetup,
  scenarioEngine: BoundEngine,
  step: StepTraffic | undefined,
): BoundEngine {
  if (step === undefined) return scenarioEngine;
  // With several threads (--workers), this thread sends its share of the step's schedule, as of the scenario's.
  if (step.model === 'open' && setup.model === 'open')
    return engineFor({ ...setup, stages: [...step.stages] }, input.partition);
  if (step.model === 'closed' && setup.model === 'closed')
    return engineFor({ ...setup, stages: [...step.stages] });
  throw new FiredrillError(
    'FD_USAGE',
    `a ${step.model}-model step cannot run on this scenario's ${setup.model}-model traffic (traffic.model "${setup.model}")`,
  );
}

try {
  const { scenario, setup, engine, request } = await prepare();
  let requestLog: RequestLog | undefined;
  port.on('message', (message: ToThread) => {
    if (message.type === 'abort') abort.abort();
    if (message.type !== 'start') return;
    abort = new AbortController();
    let runEngine: BoundEngine;
    try {
      runEngine = engineForStart(setup, engine, message.step);
    } catch (error) {
      post({ type: 'error', error: serializeError(error) });
      return;
    }
    requestLog = input.requestLogPath === undefined ? undefined : openRequestLog(input.requestLogPath);
    runEngine
      .run({
        target: input.target,
        timeoutMs: scenario.traffic.timeout,
        request,
        signal: abort.signal,
        now: Date.now,
        ...(message.startAt === undefined ? {} : { startAt: message.startAt }),
        onStart: (at) => post({ type: 'started', at }),
        onWindow: (window) => post({ type: 'window', window }),
        onProgress: (progress) => post({ type: 'progress', progress }),
        ...(requestLog ? { onRequest: (record) => requestLog?.write(record) } : {}),
      })
      .then(
        async (summary) => {
          const logError = await requestLog?.close();
          post({ type: 'done', summary, logError: logError?.message });
        },
        async (error: unknown) => {
          await requestLog?.close();
          post({ type: 'error', error: serializeError(error) });
        },
      );
  });
  post({ type: 'ready', engine: engine.name, model: engine.model });
} catch (error) {
  post({
    type: 'error',
    error: serializeError(
      isFiredrillError(error) ? error : new FiredrillError('FD_INTERNAL', `traffic thread: ${String(error)}`),
    ),
  });
}
