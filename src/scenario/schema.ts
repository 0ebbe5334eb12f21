import { z } from 'zod';
import { capacitySchema } from './capacity.ts';
import { duration, name } from './common.ts';
import { expectationSchema } from './expectations.ts';
import { faultSchema } from './faults.ts';
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

/**
 * The structure of a scenario. The checks across its parts (fault ids and the faults, phases and features
 * expectations name, the drift timeline) are in references.ts and timeline.ts; `parseScenario` runs them all.
 */
export const scenarioSchema = z.strictObject({
  name,
  description: z.string().min(1, { error: 'say in one sentence what this game day checks' }),
  target: targetSchema,
  traffic: trafficSchema,
  payload: payloadSchema.optional(),
  faults: z.array(faultSchema).default([]),
  expect: z.array(expectationSchema).min(1, { error: 'a game day needs at least one expectation' }),
  /**
   * The alert rules for a target the user named: a rule file or a folder of them (*.yml, *.yaml),
   * relative to the scenario file. `--rules` overrides it. Used with a named target or the fixture stack.
   */
  rules: z.string().min(1, { error: 'give a rule file or folder, like "rules/"' }).optional(),
  /** Observation window after the last fault is reverted (traffic keeps going to its planned end). */
  recovery: duration('a recovery window').default(30_000),
  /** How `firedrill capacity` searches this target (see capacity.ts); `firedrill run` ignores it. */
  capacity: capacitySchema.optional(),
});

/** What a scenario file exports, as written (durations as strings). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario: defaults filled, durations in milliseconds. */
export type Scenario = z.output<typeof scenarioSchema>;
export type Target = z.output<typeof targetSchema>;
export type Stage = Scenario['traffic']['stages'][number];
export type Fault = Scenario['faults'][number];
export type FaultKind = Fault['kind'];
export type Expectation = Scenario['expect'][number];
