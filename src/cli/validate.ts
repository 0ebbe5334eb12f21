import { formatDuration } from '../core/duration.ts';
import { assertNever, ExitCode, FiredrillError, formatError, isFiredrillError } from '../core/errors.ts';
import { loadPayloadReference, preparePayload } from '../payload/index.ts';
import { prepare, prepareTraffic } from '../run/index.ts';
import type { Expectation, PreparedScenario, Stage } from '../scenario/index.ts';

/**
 * `firedrill validate`: prepare (errors throw FD_SCENARIO_INVALID → exit 2), read the files the scenario names
 * as a run reads them (reference dataset, arrival trace: a problem in one is exit 2 here too), print the plan.
 */
export async function validateCommand(file: string): Promise<number> {
  const prepared = await prepare(file);
  const { scenario } = prepared;
  await checkInputFiles([
    async () => preparePayload(scenario, await loadPayloadReference(scenario)),
    async () => prepareTraffic(scenario, file),
  ]);
  process.stdout.write(describePlan(prepared));
  return ExitCode.passed;
}

/** The plan as `validate` and `dry-run` print it: stages, faults, expectations, run length. */
export function describePlan({ file, scenario, plan }: PreparedScenario): string {
  const lines = [
    `${file}: valid scenario "${scenario.name}" — ${scenario.description}`,
    '',
    `traffic (${scenario.traffic.model === 'closed' ? 'closed model, fixed concurrency' : 'open model'}):`,
  ];
  for (const s of plan.stages) {
    lines.push(
      `  +${formatDuration(s.startMs)}…+${formatDuration(s.endMs)}  ${s.name}: ${describeStage(s.stage)}`,
    );
  }
  lines.push('faults:');
  if (plan.faults.length === 0) lines.push('  (none)');
  for (const f of plan.faults) {
    lines.push(
      `  +${formatDuration(f.startMs)}…+${formatDuration(f.endMs)}  ${f.fault.id}: ${f.fault.kind} on ${f.fault.backend}`,
    );
  }
  lines.push('expectations:');
  for (const { id, expectation: e } of plan.expectations) {
    const what = describeExpectation(e);
    lines.push(`  ${id}: ${what}`);
  }
  lines.push('', `run length: ${formatDuration(plan.endMs)} (traffic ${formatDuration(plan.trafficEndMs)})`);
  return `${lines.join('\n')}\n`;
}

/** Runs every check; one problem is thrown as it is, several (all exit 2) together in one FD_SCENARIO_LOAD. */
async function checkInputFiles(checks: Array<() => Promise<unknown>>): Promise<void> {
  const problems: FiredrillError[] = [];
  for (const check of checks) {
    try {
      await check();
    } catch (error) {
      if (!isFiredrillError(error) || error.exitCode !== ExitCode.usage) throw error;
      problems.push(error);
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    throw new FiredrillError(
      'FD_SCENARIO_LOAD',
      `${problems.length} problems in the files the scenario names:\n${problems.map((p) => `  ${formatError(p).replaceAll('\n', '\n  ')}`).join('\n')}`,
    );
  }
}

/** `constant 40 req/s`, `ramp 0→20 req/s`, `concurrency 20 VUs for 30s`, `concurrency-ramp 1→16 VUs over 30s`. */
export function describeStage(stage: Stage): string {
  switch (stage.kind) {
    case 'constant':
      return `constant ${stage.rate} req/s`;
    case 'ramp':
      return `ramp ${stage.from}→${stage.to} req/s`;
    case 'concurrency':
      return `concurrency ${stage.vus} VU${stage.vus === 1 ? '' : 's'} for ${formatDuration(stage.duration)}`;
    case 'concurrency-ramp':
      return `concurrency-ramp ${stage.from}→${stage.to} VUs over ${formatDuration(stage.duration)}`;
    default:
      return assertNever(stage, 'stage kind');
  }
}

function describeExpectation(e: Expectation): string {
  switch (e.kind) {
    case 'alert-fires':
      return `${e.alert} fires within ${formatDuration(e.within)} of ${e.after}`;
    case 'alert-resolves':
      return `${e.alert} resolves within ${formatDuration(e.within)} of ${e.after}'s revert`;
    case 'alert-silent':
      return `${e.alert} stays silent during ${e.during}`;
    case 'threshold':
      return `${e.metric} ${e.op} ${e.value} in ${e.phase}`;
    case 'promql': {
      const window = e.after !== undefined ? `after ${e.after}'s revert` : `in ${e.phase}`;
      const budget = e.within !== undefined ? ` within ${formatDuration(e.within)}` : '';
      return `${e.expr} holds ${e.holds} ${window}${budget}`;
    }
    default: {
      const { kind, ...rest } = e as { kind: string };
      return `${kind} ${JSON.stringify(rest)}`;
    }
  }
}
