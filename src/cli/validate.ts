import { formatDuration } from '../core/duration.ts';
import { ExitCode } from '../core/errors.ts';
import { assertPayloadValid } from '../run/drift.ts';
import { type Expectation, loadScenario, planScenario } from '../scenario/index.ts';

/** `firedrill validate`: load, validate (errors throw FD_SCENARIO_INVALID → exit 2), print the plan. */
export async function validateCommand(file: string): Promise<number> {
  const scenario = await loadScenario(file);
  assertPayloadValid(scenario, file);
  const plan = planScenario(scenario);
  const lines = [
    `${file}: valid scenario "${scenario.name}" — ${scenario.description}`,
    '',
    'traffic (open model):',
  ];
  for (const s of plan.stages) {
    const shape =
      s.stage.kind === 'constant' ? `${s.stage.rate} req/s` : `${s.stage.from}→${s.stage.to} req/s`;
    lines.push(
      `  +${formatDuration(s.startMs)}…+${formatDuration(s.endMs)}  ${s.name}: ${s.stage.kind} ${shape}`,
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
  process.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.passed;
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
    default: {
      const { kind, ...rest } = e as { kind: string };
      return `${kind} ${JSON.stringify(rest)}`;
    }
  }
}
