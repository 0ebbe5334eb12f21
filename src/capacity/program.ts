import type { Settings } from '../configure/index.ts';
import { FiredrillError } from '../core/errors.ts';
import type { CapacityBlock, Scenario } from '../scenario/index.ts';
import { capacityIssues, type TrafficStage } from '../traffic/index.ts';
import { DEFAULT_SEARCH } from './search.ts';
import { sloHasLimits, stabilityPercentile } from './slo.ts';
import { DEFAULT_STABILITY } from './stability.ts';
import { expandGrid } from './sweep.ts';
import type { SearchSettings, Slo, StabilityCriteria } from './types.ts';

/** What the command line may override in the scenario's `capacity` block. */
export interface CapacityOverrides {
  maxRate?: number | undefined;
  maxDurationMs?: number | undefined;
  pricePerHour?: number | undefined;
  replicas?: number | undefined;
  fault?: string | undefined;
}

/** A capacity search, planned before anything starts: every setting resolved, every impossibility refused. */
export interface CapacityPlan {
  slo: Slo;
  search: SearchSettings;
  stability: StabilityCriteria;
  warmupMs: number;
  windowMs: number;
  /** Fewest requests per measurement window (a window spans whole seconds: ⌈minWindowRequests / rate⌉ at least). */
  minWindowRequests: number;
  /** Quiet time after a failed step, ms. */
  cooldownMs: number;
  maxDurationMs: number;
  configurator: { kind: string; options: Record<string, unknown> } | null;
  configurations: Settings[];
  earlyExit: { window: number; minGain: number };
  pricing: { pricePerHour: number; replicas: number } | null;
  fault: string | null;
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
 * Plans a capacity search from a validated scenario and the command line (pure). Refuses, all together and
 * each with its path: no `capacity` block (no SLO), a closed-model scenario, a max rate below the start,
 * an in-flight cap that cannot carry the max rate, an unknown fault, a configurator this build or this
 * target does not support, settings the configurator does not take.
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
  if (scenario.traffic.model !== 'open') {
    issues.push(
      'traffic.model: a capacity search offers rates (open model); closed-model concurrency search is not built yet',
    );
  }
  const maxRate = overrides.maxRate ?? block.maxRate;
  if (maxRate < block.startRate) {
    issues.push(
      `${overrides.maxRate !== undefined ? '--max-rate' : 'capacity.maxRate'}: ${maxRate} is below capacity.startRate ${block.startRate}`,
    );
  }
  if (scenario.traffic.model === 'open') {
    const peak: TrafficStage[] = [{ kind: 'constant', rate: maxRate, durationMs: 1000 }];
    for (const issue of capacityIssues({
      stages: peak,
      timeoutMs: scenario.traffic.timeout,
      maxInFlight: scenario.traffic.maxInFlight,
    })) {
      issues.push(`traffic.maxInFlight: at the max rate ${maxRate}/s, ${issue}`);
    }
  }
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
      startRate: block.startRate,
      maxRate,
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
  };
}

/** The longest one step can take: warm-up, every window, and the drain of a timeout. */
export function stepBudgetMs(plan: CapacityPlan, timeoutMs: number): number {
  return (
    plan.warmupMs +
    plan.stability.maxWindows * windowSecondsAt(plan, plan.search.startRate) * 1000 +
    timeoutMs +
    plan.cooldownMs +
    1000
  );
}

/** Seconds of one measurement window at `rate`: the window, or more so that it holds minWindowRequests. */
export function windowSecondsAt(
  plan: Pick<CapacityPlan, 'windowMs' | 'minWindowRequests'>,
  rate: number,
): number {
  return Math.max(plan.windowMs / 1000, Math.ceil(plan.minWindowRequests / rate));
}
