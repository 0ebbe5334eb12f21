import { didYouMean } from '../core/suggest.ts';
import { capacityIssues } from '../traffic/schedule.ts';
import { CAPACITY_LOAD_DEFAULTS } from './capacity.ts';
import { name } from './common.ts';
import { expectationSchema, isStreamedMetric } from './expectations.ts';
import { faultIssues, faultSchema, type ParsedFault } from './faults.ts';
import { type Payload, payloadSchema } from './payload.ts';
import { type Expectation, type Scenario, type Target, targetSchema } from './schema.ts';
import { rateStages, type Traffic, trafficSchema } from './traffic.ts';

/**
 * Checks across the parts of a scenario (fault ids, the faults and phases expectations name, a protocol's
 * options) that the schema of each part cannot express. They run over whatever parts parsed, so a scenario
 * with a bad fault kind is still told about a duplicated id or an expectation naming no fault: every part
 * is parsed on its own, each fault and expectation alone, and names are also read from raw elements that
 * did not parse as a whole.
 */

export interface PartIssue {
  path: (string | number)[];
  message: string;
}

/** Each part as parsed on its own; `undefined` where it did not parse. */
export interface ScenarioParts {
  target: Target | undefined;
  traffic: Traffic | undefined;
  /** `{ value: undefined }` when the scenario has no payload; `undefined` when it has one that did not parse. */
  payload: { value: Payload | undefined } | undefined;
  faults: Array<ParsedFault | undefined>;
  expect: Array<Expectation | undefined>;
  /** The raw elements of `faults` and `expect` (empty when those are not arrays). */
  rawFaults: unknown[];
  rawExpect: unknown[];
  /** The raw stage names (strings), for phases when the traffic did not parse. */
  rawStageNames: string[];
  /** Whether the scenario sets traffic.maxInFlight itself (the open model's default always suffices). */
  explicitMaxInFlight: boolean;
  /** The raw `capacity` block (undefined when absent): which of its fields the scenario sets itself. */
  rawCapacity: unknown;
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function parsed<T>(result: { success: true; data: T } | { success: false }): T | undefined {
  return result.success ? result.data : undefined;
}

/** The parts of a validated scenario; `data` is what it was parsed from. */
export function partsOfScenario(scenario: Scenario, data: unknown): ScenarioParts {
  const raw = field(data, 'traffic');
  return {
    target: scenario.target,
    traffic: scenario.traffic,
    payload: { value: scenario.payload },
    faults: scenario.faults,
    expect: scenario.expect,
    rawFaults: scenario.faults,
    rawExpect: scenario.expect,
    rawStageNames: scenario.traffic.stages.flatMap((s) => (s.name ? [s.name] : [])),
    explicitMaxInFlight: field(raw, 'maxInFlight') !== undefined,
    rawCapacity: field(data, 'capacity'),
  };
}

/** The parts of raw data that did not validate as a whole, each parsed on its own. */
export function parseParts(data: unknown): ScenarioParts {
  const rawFaults = asArray(field(data, 'faults'));
  const rawExpect = asArray(field(data, 'expect'));
  const rawPayload = field(data, 'payload');
  return {
    target: parsed(targetSchema.safeParse(field(data, 'target'))),
    traffic: parsed(trafficSchema.safeParse(field(data, 'traffic'))),
    payload:
      rawPayload === undefined
        ? { value: undefined }
        : (({ success, data }) => (success ? { value: data } : undefined))(
            payloadSchema.safeParse(rawPayload),
          ),
    faults: rawFaults.map((f) => parsed(faultSchema.safeParse(f))),
    expect: rawExpect.map((e) => parsed(expectationSchema.safeParse(e))),
    rawFaults,
    rawExpect,
    rawStageNames: asArray(field(field(data, 'traffic'), 'stages')).flatMap((s) => {
      const stageName = field(s, 'name');
      return typeof stageName === 'string' ? [stageName] : [];
    }),
    explicitMaxInFlight: field(field(data, 'traffic'), 'maxInFlight') !== undefined,
    rawCapacity: field(data, 'capacity'),
  };
}

/** A raw field that is a valid name (fault id, `after`), else undefined (the schema reports it). */
function rawName(element: unknown, key: string): string | undefined {
  const value = field(element, key);
  return name.safeParse(value).success ? (value as string) : undefined;
}

/** Every cross-reference issue among the parts that parsed, with paths from the scenario's root. */
export function referenceIssues(parts: ScenarioParts): PartIssue[] {
  const issues: PartIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });

  const faultIds = new Set<string>();
  parts.rawFaults.forEach((raw, index) => {
    const fault = parts.faults[index];
    if (fault !== undefined) {
      for (const issue of faultIssues(fault)) add(['faults', index, ...issue.path], issue.message);
    }
    const id = fault?.id ?? rawName(raw, 'id');
    if (id === undefined) return;
    if (faultIds.has(id)) add(['faults', index, 'id'], `duplicate fault id "${id}"`);
    faultIds.add(id);
  });

  const traffic = parts.traffic;
  if (traffic !== undefined) {
    const trafficMs = traffic.stages.reduce((sum, stage) => sum + stage.duration, 0);
    parts.faults.forEach((fault, index) => {
      if (fault !== undefined && fault.at + fault.duration > trafficMs) {
        add(
          ['faults', index, 'duration'],
          `the fault ends at ${(fault.at + fault.duration) / 1000}s, after the traffic stops at ${trafficMs / 1000}s`,
        );
      }
    });
  }

  // Capacity: an explicit cap against the rate stages (a trace's own peak is checked when its file is read).
  if (traffic?.model === 'open' && traffic.arrival.kind !== 'trace' && parts.explicitMaxInFlight) {
    for (const message of capacityIssues({
      stages: rateStages(traffic.stages),
      timeoutMs: traffic.timeout,
      maxInFlight: traffic.maxInFlight,
    })) {
      add(['traffic', 'maxInFlight'], message);
    }
  }

  if (traffic !== undefined) {
    for (const issue of capacityLoadIssues(traffic.model, parts.rawCapacity)) add(issue.path, issue.message);
  }

  const target = parts.target;
  const payload = parts.payload;
  const openAi = target?.protocol === 'openai-chat' || target?.protocol === 'openai-completions';
  const streamed = openAi && payload?.value?.stream === true;
  if (target !== undefined && payload?.value?.stream === true && !openAi) {
    add(
      ['payload', 'stream'],
      `streamed answers (server-sent events) belong to the OpenAI protocols, not ${target.protocol} (use target.protocol "openai-chat" or "openai-completions")`,
    );
  }
  // Validation that would check nothing is refused, never silently skipped.
  const validate = traffic?.validate;
  if (target !== undefined && validate?.outputs !== undefined && target.protocol !== 'kserve-v2') {
    add(
      ['traffic', 'validate', 'outputs'],
      `outputs (name, datatype, shape) are checked on KServe V2 answers only; ${target.protocol} answers are checked for their own shape, and a predicate can check more`,
    );
  }
  if (validate !== undefined && target?.protocol === 'raw' && validate.predicate === undefined) {
    add(
      ['traffic', 'validate'],
      "a raw target's answers have no known shape to check: give validate.predicate, e.g. (body) => body.ok === true || 'not ok', or drop validate",
    );
  }

  const stageNames = traffic
    ? traffic.stages.flatMap((stage) => (stage.name ? [stage.name] : []))
    : parts.rawStageNames;
  const phases = ['baseline', 'fault', 'recovery', 'run', ...stageNames];
  const faultList = [...faultIds].join(', ') || 'none';
  parts.rawExpect.forEach((raw, index) => {
    const expectation = parts.expect[index];
    const kind = expectation?.kind ?? field(raw, 'kind');
    if (kind === 'alert-fires' || kind === 'alert-resolves' || kind === 'promql' || kind === 'rollback') {
      const after = expectation && 'after' in expectation ? expectation.after : rawName(raw, 'after');
      if (after !== undefined && !faultIds.has(after)) {
        add(
          ['expect', index, 'after'],
          `no fault has id "${after}"${didYouMean(after, faultIds)} (faults: ${faultList})`,
        );
      }
      const canaries = parts.faults.filter((f) => f?.kind === 'bad-canary').map((f) => f!.id);
      if (kind === 'rollback' && after !== undefined && faultIds.has(after) && !canaries.includes(after)) {
        add(
          ['expect', index, 'after'],
          `a rollback follows a bad-canary fault; "${after}" is not one (bad-canary faults: ${canaries.join(', ') || 'none'})`,
        );
      }
    }
    if (kind === 'alert-silent') {
      const during =
        expectation?.kind === 'alert-silent'
          ? expectation.during
          : field(raw, 'during') === 'run'
            ? 'run'
            : rawName(raw, 'during');
      if (during !== undefined && during !== 'run' && !faultIds.has(during)) {
        add(
          ['expect', index, 'during'],
          `"during" is "run" or a fault id; no fault has id "${during}"${didYouMean(during, faultIds)} (faults: ${faultList})`,
        );
      }
    }
    if (kind !== 'threshold' && kind !== 'promql') return;
    const phase =
      expectation?.kind === 'threshold' || expectation?.kind === 'promql'
        ? expectation.phase
        : field(raw, 'phase');
    if (typeof phase === 'string' && phase !== '' && !phases.includes(phase)) {
      add(
        ['expect', index, 'phase'],
        `unknown phase "${phase}"${didYouMean(phase, phases)} (phases: ${phases.join(', ')})`,
      );
    }
    if (expectation?.kind !== 'threshold' || target === undefined || traffic === undefined || !payload)
      return;
    if (expectation.metric === 'wrong-answer-ratio' && !streamed && traffic.validate === undefined) {
      // Only checked responses can be wrong: without validation the ratio would read 0, a pass by default.
      // (Streamed OpenAI answers are always checked: a malformed stream is a wrong answer.)
      add(
        ['expect', index, 'metric'],
        "wrong-answer-ratio needs checked responses, but responses are not checked without traffic.validate (give traffic.validate, e.g. { outputs: [{ name: 'probabilities' }] })",
      );
    }
    if (isStreamedMetric(expectation.metric) && !streamed) {
      add(
        ['expect', index, 'metric'],
        `${expectation.metric} is measured on streamed answers only, and this scenario's payload is not streamed (target.protocol "openai-chat" or "openai-completions" with payload.stream: true)`,
      );
    }
  });
  return issues;
}

type LoadBound = keyof typeof CAPACITY_LOAD_DEFAULTS;

/** A rate bound in a closed-model scenario: why not, and the bound in users instead. */
function rateInClosed(key: LoadBound, instead: LoadBound): readonly [string, string] {
  return [
    key,
    `${key} is a request rate (open model), and this scenario's traffic is closed-model: its capacity search counts concurrent virtual users; use ${instead} instead (e.g. ${instead}: ${CAPACITY_LOAD_DEFAULTS[instead]})`,
  ];
}

/** A bound in users in an open-model scenario: why not, and the rate bound instead. */
function usersInOpen(key: LoadBound, instead: LoadBound): readonly [string, string] {
  return [
    key,
    `${key} counts concurrent virtual users (closed model), and this scenario's traffic is open-model: use ${instead} (req/s, e.g. ${instead}: ${CAPACITY_LOAD_DEFAULTS[instead]}), or set traffic.model: "closed" with concurrency stages`,
  ];
}

/**
 * Per traffic model, the capacity block's fields that belong to the other one, each with why and what
 * instead: a closed-model search counts concurrent users (startConcurrency, maxConcurrency), an open-model
 * one offers rates (startRate, maxRate); late sends and rate-sized windows exist in the open model only.
 */
const FOREIGN_CAPACITY_FIELDS: Record<Traffic['model'], ReadonlyArray<readonly [string, string]>> = {
  closed: [
    rateInClosed('startRate', 'startConcurrency'),
    rateInClosed('maxRate', 'maxConcurrency'),
    [
      'maxLateRatio',
      'the closed model sends nothing late (a user sends when its previous answer came), so there is no late-send ratio to judge; its steps are generator-limited by loop lag only (maxLoopLag): leave maxLateRatio out',
    ],
    [
      'minWindowRequests',
      "minWindowRequests sizes windows from the offered rate (open model); a closed-model step's windows are capacity.window long: leave it out, or lengthen window",
    ],
  ],
  open: [usersInOpen('startConcurrency', 'startRate'), usersInOpen('maxConcurrency', 'maxRate')],
};

/**
 * The capacity block's fields that belong to the other traffic model than the scenario's. Read from the raw
 * block, so a field set to its default value is refused too.
 */
function capacityLoadIssues(model: Traffic['model'], rawCapacity: unknown): PartIssue[] {
  return FOREIGN_CAPACITY_FIELDS[model]
    .filter(([key]) => field(rawCapacity, key) !== undefined)
    .map(([key, message]) => ({ path: ['capacity', key], message }));
}
