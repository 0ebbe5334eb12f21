import type { Settings } from '../configure/index.ts';
import { FiredrillError } from '../core/errors.ts';
import {
  CAPACITY_LOAD_DEFAULTS,
  type CapacityBlock,
  MAX_VIRTUAL_USERS,
  type Scenario,
} from '../scenario/index.ts';
import { capacityIssues, type TrafficStage } from '../traffic/index.ts';
import { DEFAULT_SEARCH } from './search.ts';
import { sloHasLimits, stabilityPercentile } from './slo.ts';
import { DEFAULT_STABILITY } from './stability.ts';
import { expandGrid } from './sweep.ts';
import type { LoadUnit, SearchSettings, Slo, StabilityCriteria } from './types.ts';

/** What the command line may override in the scenario's `capacity` block. */
export interface CapacityOverrides {
  /** Open model: highest rate ever offered, req/s (`--max-rate`). */
  maxRate?: number | undefined;
  /** Closed model: most virtual users (`--max-concurrency`). */
  maxConcurrency?: number | undefined;
  maxDurationMs?: number | undefined;
  pricePerHour?: number | undefined;
  replicas?: number | undefined;
  fault?: string | undefined;
  /** Open model: traffic threads that share each step's schedule (`--workers`, default 1). */
  workers?: number | undefined;
}

/** A capacity search, planned before anything starts: every setting resolved, every impossibility refused. */
export interface CapacityPlan {
  slo: Slo;
  search: SearchSettings;
  stability: StabilityCriteria;
  warmupMs: number;
  windowMs: number;
  /**
   * Open model: fewest requests per measurement window (a window spans whole seconds: ⌈minWindowRequests /
   * rate⌉ at least). Closed model: unused (its rate is not known before the step; windows are `windowMs`).
   */
  minWindowRequests: number;
  /** Quiet time after a failed step, ms. */
  cooldownMs: number;
  maxDurationMs: number;
  configurator: { kind: string; options: Record<string, unknown> } | null;
  configurations: Settings[];
  earlyExit: { window: number; minGain: number };
  pricing: { pricePerHour: number; replicas: number } | null;
  fault: string | null;
  /** Traffic threads sharing each step's schedule (1 unless `--workers`; open model only). */
  workers: number;
}

/**
 * Which configurators this build can apply, and for each, why it cannot serve a target (undefined when it
 * can) and which settings it refuses. The search runner takes the table, so others plug in.
 */
export interface ConfiguratorSupport {
  refuse(target: { named: string | undefined }): string | undefined;
  settingsIssues(settings: Settings): string[];
}

function sloOf(block: CapacityBlock): Slo {
  const s = block.slo;
  return {
    latencyMs: {
      ...(s.p50 !== undefined ? { p50: s.p50 } : {}),
      ...(s.p90 !== undefined ? { p90: s.p90 } : {}),
      ...(s.p99 !== undefined ? { p99: s.p99 } : {}),
    },
    ...(s.errorRatio !== undefined ? { maxErrorRatio: s.errorRatio } : {}),
    ...(s.wrongAnswerRatio !== undefined ? { maxWrongAnswerRatio: s.wrongAnswerRatio } : {}),
    ...(s.goodput !== undefined ? { goodput: { min: s.goodput.min, latencyMs: s.goodput.latency } } : {}),
    ...(s.ttftP99 !== undefined ? { ttftP99Ms: s.ttftP99 } : {}),
    ...(s.tpotP99 !== undefined ? { tpotP99Ms: s.tpotP99 } : {}),
  };
}

/**
 * The load a search varies and its bounds, from the traffic's model: the rate (open) or the number of
 * virtual users (closed), the scenario's bounds or their defaults, the command line's max. Every issue (a
 * max flag of the other model, a max below the start) with the flag or field it names.
 */
function loadBounds(
  scenario: Scenario,
  block: CapacityBlock,
  overrides: CapacityOverrides,
): { unit: LoadUnit; start: number; max: number; issues: string[] } {
  const d = CAPACITY_LOAD_DEFAULTS;
  const issues: string[] = [];
  if (scenario.traffic.model === 'closed') {
    if ((overrides.workers ?? 1) > 1) {
      issues.push(
        `--workers ${overrides.workers}: this scenario's traffic is closed-model, and traffic threads split an open-model schedule; a closed step is sized by its virtual users`,
      );
    }
    if (overrides.maxRate !== undefined) {
      issues.push(
        "--max-rate: this scenario's traffic is closed-model, so its search counts concurrent virtual users: use --max-concurrency N",
      );
    }
    const start = block.startConcurrency ?? d.startConcurrency;
    const max = overrides.maxConcurrency ?? block.maxConcurrency ?? d.maxConcurrency;
    if (overrides.maxConcurrency !== undefined && max > MAX_VIRTUAL_USERS) {
      issues.push(
        `--max-concurrency: ${max} virtual users is beyond one generator (at most ${MAX_VIRTUAL_USERS})`,
      );
    } else if (max < start) {
      issues.push(
        `${overrides.maxConcurrency !== undefined ? '--max-concurrency' : 'capacity.maxConcurrency'}: ${max} is below capacity.startConcurrency ${start} (virtual users)`,
      );
    }
    return { unit: 'concurrency', start, max, issues };
  }
  if (overrides.maxConcurrency !== undefined) {
    issues.push(
      '--max-concurrency: this scenario\'s traffic is open-model, so its search offers request rates: use --max-rate N (req/s), or set traffic.model: "closed"',
    );
  }
  const start = block.startRate ?? d.startRate;
  const max = overrides.maxRate ?? block.maxRate ?? d.maxRate;
  if (max < start) {
    issues.push(
      `${overrides.maxRate !== undefined ? '--max-rate' : 'capacity.maxRate'}: ${max} is below capacity.startRate ${start}`,
    );
  }
  const peak: TrafficStage[] = [{ kind: 'constant', rate: max, durationMs: 1000 }];
  for (const issue of capacityIssues({
    stages: peak,
    timeoutMs: scenario.traffic.timeout,
    maxInFlight: scenario.traffic.maxInFlight,
  })) {
    issues.push(`traffic.maxInFlight: at the max rate ${max}/s, ${issue}`);
  }
  return { unit: 'rate', start, max, issues };
}

/**
 * Plans a capacity search from a validated scenario and the command line (pure). The load follows the
 * traffic's model: an open-model scenario searches the request rate, a closed-model one the number of
 * concurrent virtual users. Refuses, all together and each with its path: no `capacity` block (no SLO), a
 * max flag of the other model, a max load below the start, an in-flight cap that cannot carry the max rate,
 * an unknown fault, a configurator this build or this target does not support, settings the configurator
 * does not take.
 */
export function planCapacity(
  scenario: Scenario,
  file: string,
  overrides: CapacityOverrides,
  supported: Readonly<Record<string, ConfiguratorSupport>>,
  namedTarget: string | undefined,
): CapacityPlan {
  const block = scenario.capacity;
  if (block === undefined) {
    throw new FiredrillError(
      'FD_SCENARIO_INVALID',
      `${file}: capacity: missing: a capacity search needs an SLO`,
      {
        hint: 'add capacity: { slo: { p99: "50ms", errorRatio: 0.01 } } to the scenario (see scenarios/capacity-search.ts)',
      },
    );
  }
  const issues: string[] = [];
  const slo = sloOf(block);
  if (!sloHasLimits(slo)) issues.push('capacity.slo: an SLO needs at least one limit');
  const load = loadBounds(scenario, block, overrides);
  issues.push(...load.issues);
  const fault = overrides.fault ?? null;
  if (fault !== null && !scenario.faults.some((f) => f.id === fault)) {
    issues.push(
      `--fault: no fault "${fault}" in the scenario (faults: ${scenario.faults.map((f) => f.id).join(', ') || 'none'})`,
    );
  }
  const configurations =
    block.configurations === undefined
      ? [{}]
      : Array.isArray(block.configurations)
        ? block.configurations
        : expandGrid(block.configurations.grid);
  let configurator: CapacityPlan['configurator'] = null;
  if (block.configurator !== undefined) {
    const { kind, ...options } = block.configurator;
    configurator = { kind, options };
    const support = supported[kind];
    if (support === undefined) {
      issues.push(
        `capacity.configurator.kind: "${kind}" is not available in this build (available: ${Object.keys(supported).join(', ')})`,
      );
    } else {
      const refused = support.refuse({ named: namedTarget });
      if (refused !== undefined) issues.push(`capacity.configurator.kind: ${refused}`);
      configurations.forEach((settings, i) => {
        for (const issue of support.settingsIssues(settings))
          issues.push(`capacity.configurations[${i}]: ${issue}`);
      });
    }
  }
  if (issues.length > 0) {
    throw new FiredrillError(
      'FD_SCENARIO_INVALID',
      `${file}: cannot search capacity:\n  ${issues.join('\n  ')}`,
      {
        hint: 'fix the scenario or the flags; nothing was started',
      },
    );
  }
  const price = overrides.pricePerHour ?? block.price?.perHour;
  return {
    slo,
    search: {
      ...DEFAULT_SEARCH,
      unit: load.unit,
      start: load.start,
      max: load.max,
      precision: block.precision,
      repeats: block.repeats,
      strategy: block.strategy,
      maxSteps: block.strategy === 'linear' ? Math.ceil(1 / block.precision) + 2 : DEFAULT_SEARCH.maxSteps,
    },
    stability: {
      ...DEFAULT_STABILITY,
      windows: block.stableWindows,
      maxWindows: block.maxWindows,
      tolerance: block.tolerance,
      // Latency swings under a tolerance's share of the SLO limit cannot change the verdict: they agree.
      latencyFloorMs: Math.max(
        DEFAULT_STABILITY.latencyFloorMs,
        block.tolerance * (slo.latencyMs[stabilityPercentile(slo)] ?? 0),
      ),
      maxLateRatio: block.maxLateRatio,
      maxLoopLagMs: block.maxLoopLag,
      percentile: stabilityPercentile(slo),
    },
    warmupMs: block.warmup,
    windowMs: block.window,
    minWindowRequests: block.minWindowRequests,
    cooldownMs: block.cooldown,
    maxDurationMs: overrides.maxDurationMs ?? block.maxDuration,
    configurator,
    configurations,
    earlyExit: block.earlyExit,
    pricing:
      price === undefined
        ? null
        : { pricePerHour: price, replicas: overrides.replicas ?? block.price?.replicas ?? 1 },
    fault,
    workers: overrides.workers ?? 1,
  };
}

/** The longest one step can take: warm-up, every window, and the drain of a timeout. */
export function stepBudgetMs(plan: CapacityPlan, timeoutMs: number): number {
  return (
    plan.warmupMs +
    plan.stability.maxWindows * windowSecondsAt(plan, plan.search.start) * 1000 +
    timeoutMs +
    plan.cooldownMs +
    1000
  );
}

/**
 * Seconds of one measurement window at `load`: at a rate, the window or more so that it holds
 * minWindowRequests; with users (closed model, whose rate is not known before the step), the window.
 */
export function windowSecondsAt(
  plan: Pick<CapacityPlan, 'windowMs' | 'minWindowRequests'> & { search: Pick<SearchSettings, 'unit'> },
  load: number,
): number {
  if (plan.search.unit === 'concurrency') return plan.windowMs / 1000;
  return Math.max(plan.windowMs / 1000, Math.ceil(plan.minWindowRequests / load));
}
