import { z } from 'zod';
import { duration, name } from './common.ts';
import { expectationSchema, isStreamedMetric } from './expectations.ts';
import { faultIssues, faultSchema } from './faults.ts';
import { payloadSchema } from './payload.ts';
import { trafficSchema } from './traffic.ts';

export { stageSchema, trafficSchema } from './traffic.ts';

/**
 * The scenario schema is the single source of truth: `Scenario` is inferred from it. Every variant is a
 * discriminated union on `kind`. Durations are written "30s" and parsed here into milliseconds, so
 * everything downstream of `parseScenario` works in milliseconds (`...Ms`).
 */

export const targetSchema = z.strictObject({
  /** Base URL of the model server. Optional: the embedded stack fills it in. */
  url: z.url({ error: 'expected a URL like http://127.0.0.1:8080' }).optional(),
  protocol: z
    .enum(['kserve-v2', 'kserve-v1', 'mlflow', 'openai-chat', 'openai-completions', 'raw'], {
      error: 'supported protocols: kserve-v2, kserve-v1, mlflow, openai-chat, openai-completions, raw',
    })
    .default('kserve-v2'),
  model: z.string().min(1, { error: 'name the model, e.g. "iris"' }),
  /**
   * Where Prometheus scrapes the target's own metrics when firedrill monitors a server the user named
   * (`url` or `--target` without `--prometheus`): `path` (default /metrics) on `port` (default: the
   * target's port), as scrape job `job` (default "model-server", the label the rules select on).
   */
  metrics: z
    .strictObject({
      path: z
        .string()
        .startsWith('/', { error: 'a metrics path starts with "/", like "/metrics"' })
        .default('/metrics'),
      port: z
        .number({ error: 'expected a TCP port number' })
        .int({ error: 'a port is a whole number' })
        .min(1, { error: 'a port is 1–65535' })
        .max(65_535, { error: 'a port is 1–65535' })
        .optional(),
      job: z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/, { error: 'a scrape job name like "model-server"' })
        .default('model-server'),
    })
    .optional(),
  /**
   * The readiness probe asked before any traffic: `path` (default by protocol: /v2/health/ready,
   * /v1/models/<model>, /ping, /v1/models; raw: any HTTP answer below 500 from the base URL) and how long
   * to wait for it (default 30s). A target that is not ready in time ends the run with exit 3.
   */
  readiness: z
    .strictObject({
      path: z.string().startsWith('/', { error: 'a probe path starts with "/", like "/health"' }).optional(),
      timeout: duration('a readiness timeout').default(30_000),
    })
    .optional(),
});

export const scenarioSchema = z
  .strictObject({
    name,
    description: z.string().min(1, { error: 'say in one sentence what this game day checks' }),
    target: targetSchema,
    traffic: trafficSchema,
    payload: payloadSchema.optional(),
    faults: z.array(faultSchema).default([]),
    expect: z.array(expectationSchema).min(1, { error: 'a game day needs at least one expectation' }),
    /**
     * The alert rules for a target the user named: a rule file or a folder of them (*.yml, *.yaml),
     * relative to the scenario file. `--rules` overrides it. Unused with the fixture or `--prometheus`.
     */
    rules: z.string().min(1, { error: 'give a rule file or folder, like "rules/"' }).optional(),
    /** Observation window after the last fault is reverted (traffic keeps going to its planned end). */
    recovery: duration('a recovery window').default(30_000),
  })
  .superRefine((scenario, ctx) => {
    const faultIds = new Set<string>();
    scenario.faults.forEach((fault, index) => {
      for (const issue of faultIssues(fault)) {
        ctx.addIssue({ code: 'custom', path: ['faults', index, ...issue.path], message: issue.message });
      }
      if (faultIds.has(fault.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['faults', index, 'id'],
          message: `duplicate fault id "${fault.id}"`,
        });
      }
      faultIds.add(fault.id);
    });
    const trafficMs = scenario.traffic.stages.reduce((sum, stage) => sum + stage.duration, 0);
    scenario.faults.forEach((fault, index) => {
      if (fault.at + fault.duration > trafficMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['faults', index, 'duration'],
          message: `the fault ends at ${(fault.at + fault.duration) / 1000}s, after the traffic stops at ${trafficMs / 1000}s`,
        });
      }
    });
    const openAi =
      scenario.target.protocol === 'openai-chat' || scenario.target.protocol === 'openai-completions';
    const streamed = openAi && scenario.payload?.stream === true;
    if (scenario.payload?.stream === true && !openAi) {
      ctx.addIssue({
        code: 'custom',
        path: ['payload', 'stream'],
        message: `streamed answers (server-sent events) belong to the OpenAI protocols, not ${scenario.target.protocol} (use target.protocol "openai-chat" or "openai-completions")`,
      });
    }
    // Validation that would check nothing is refused, never silently skipped.
    const validate = scenario.traffic.validate;
    if (validate?.outputs !== undefined && scenario.target.protocol !== 'kserve-v2') {
      ctx.addIssue({
        code: 'custom',
        path: ['traffic', 'validate', 'outputs'],
        message: `outputs (name, datatype, shape) are checked on KServe V2 answers only; ${scenario.target.protocol} answers are checked for their own shape, and a predicate can check more`,
      });
    }
    if (validate !== undefined && scenario.target.protocol === 'raw' && validate.predicate === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['traffic', 'validate'],
        message:
          "a raw target's answers have no known shape to check: give validate.predicate, e.g. (body) => body.ok === true || 'not ok', or drop validate",
      });
    }
    const stageNames = new Set(scenario.traffic.stages.flatMap((stage) => (stage.name ? [stage.name] : [])));
    scenario.expect.forEach((expectation, index) => {
      if ('after' in expectation && !faultIds.has(expectation.after)) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', index, 'after'],
          message: `no fault has id "${expectation.after}" (faults: ${[...faultIds].join(', ') || 'none'})`,
        });
      }
      if (
        expectation.kind === 'alert-silent' &&
        expectation.during !== 'run' &&
        !faultIds.has(expectation.during)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', index, 'during'],
          message: `"during" is "run" or a fault id; no fault has id "${expectation.during}"`,
        });
      }
      if (expectation.kind === 'threshold' && expectation.metric === 'wrong-answer-ratio' && !streamed) {
        // Only checked responses can be wrong: without validation the ratio would read 0, a pass by default.
        // (Streamed OpenAI answers are always checked: a malformed stream is a wrong answer.)
        const problem =
          scenario.traffic.validate === undefined
            ? 'responses are not checked without traffic.validate'
            : undefined;
        if (problem !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['expect', index, 'metric'],
            message: `wrong-answer-ratio needs checked responses, but ${problem} (give traffic.validate, e.g. { outputs: [{ name: 'probabilities' }] })`,
          });
        }
      }
      if (expectation.kind === 'threshold' && isStreamedMetric(expectation.metric) && !streamed) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', index, 'metric'],
          message: `${expectation.metric} is measured on streamed answers only, and this scenario's payload is not streamed (target.protocol "openai-chat" or "openai-completions" with payload.stream: true)`,
        });
      }
      if (expectation.kind === 'threshold') {
        const phases = ['baseline', 'fault', 'recovery', 'run', ...stageNames];
        if (!phases.includes(expectation.phase)) {
          ctx.addIssue({
            code: 'custom',
            path: ['expect', index, 'phase'],
            message: `unknown phase "${expectation.phase}" (phases: ${phases.join(', ')})`,
          });
        }
      }
    });
  });

/** What a scenario file exports, as written (durations as strings). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario: defaults filled, durations in milliseconds. */
export type Scenario = z.output<typeof scenarioSchema>;
export type Stage = Scenario['traffic']['stages'][number];
export type Fault = Scenario['faults'][number];
export type FaultKind = Fault['kind'];
export type Expectation = Scenario['expect'][number];
