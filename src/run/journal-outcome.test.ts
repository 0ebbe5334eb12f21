import { describe, expect, it } from 'vitest';
import { faultParams } from '../../chaos/index.ts';
import { FiredrillError } from '../core/errors.ts';
import type { AlertObservation, DetectionFloor, Notification } from '../evaluate/index.ts';
import type { JournalEvent } from '../journal/index.ts';
import { buildJunitXml, buildRunJson, buildSummaryMarkdown } from '../report/index.ts';
import { parseScenarioOrThrow, planScenario } from '../scenario/index.ts';
import { factsFromJournal, outcomeFromJournal } from './journal-outcome.ts';
import { judgeRun, type RunFacts } from './outcome.ts';

const scenario = parseScenarioOrThrow(
  {
    name: 'journal-test',
    description: 'a run rebuilt from its journal',
    target: { model: 'penguins' },
    traffic: { stages: [{ kind: 'constant', rate: 10, duration: '40s' }] },
    faults: [{ id: 'slow', kind: 'latency-spike', at: '10s', duration: '10s', delay: '400ms' }],
    expect: [
      { kind: 'alert-fires', alert: 'Lat', after: 'slow', within: '8s' },
      { kind: 'alert-fires', alert: 'Lat', after: 'slow', within: '9s', measure: 'notified' },
      { kind: 'alert-resolves', alert: 'Lat', after: 'slow', within: '15s' },
      { kind: 'alert-silent', alert: 'Err' },
    ],
    recovery: '20s',
  },
  'journal-test.ts',
);
const plan = planScenario(scenario);
const T0 = 1_700_000_000_000;
const stack = {
  prometheus: 'http://127.0.0.1:1',
  alertmanager: 'http://127.0.0.1:2',
  target: 'http://127.0.0.1:3',
  embedded: true,
};
const floors: DetectionFloor[] = [
  {
    alert: 'Lat',
    floorMs: 3000,
    jitterMs: 2000,
    explanation: 'scrape 1s, eval 1s, for 3s',
    measure: 'firing',
  },
  {
    alert: 'Lat',
    floorMs: 3000,
    jitterMs: 2000,
    explanation: 'scrape 1s, eval 1s, for 3s',
    measure: 'notified',
  },
];
const labels = { severity: 'page' };
const observations: AlertObservation[] = [
  { name: 'Lat', labels, state: 'pending', since: T0 + 12_000, source: 'api' },
  { name: 'Lat', labels, state: 'firing', since: T0 + 15_000, source: 'api' },
  { name: 'Lat', labels, state: 'inactive', since: T0 + 27_000, source: 'api' },
];
const notification: Notification = {
  name: 'Lat',
  labels,
  status: 'firing',
  receivedAt: T0 + 15_200,
  startsAt: T0 + 15_000,
  endsAt: null,
  receiver: 'firedrill',
};

/** The journal a run writes, up to (and including) what comes after `traffic-started`. */
function journal(tail: JournalEvent[]): JournalEvent[] {
  return [
    {
      type: 'run-started',
      at: T0 - 5000,
      runId: 'r1',
      scenario: scenario.name,
      scenarioFile: 'journal-test.ts',
      planEndMs: plan.endMs,
      definition: JSON.parse(JSON.stringify(scenario)),
    },
    { type: 'stack-ready', at: T0 - 4000, ...stack, ownedPids: [{ name: 'prometheus', pid: 1 }] },
    { type: 'preflight', at: T0 - 3000, floors, warnings: ['w-preflight'], belowFloor: [] },
    ...tail,
  ];
}

/** Prometheus fell behind: one late scrape target, two skipped evaluations. */
const lateness = {
  late: true,
  lateScrapes: [{ job: 'model-server', instance: '127.0.0.1:8080', intervalMs: 1000, maxGapMs: 3000 }],
  missedEvaluations: 2,
};

const executed: JournalEvent[] = [
  { type: 'traffic-started', at: T0, engine: 'firedrill-open', model: 'open' },
  {
    type: 'fault-injecting',
    at: T0 + 10_000,
    id: 'slow',
    kind: 'latency-spike',
    backend: 'local',
    params: {},
  },
  { type: 'fault-injected', at: T0 + 10_010, id: 'slow', cleanup: 'curl -X DELETE admin/faults' },
  { type: 'fault-landed', at: T0 + 10_300, id: 'slow', evidence: 'probe took 410 ms' },
  ...observations
    .slice(0, 2)
    .map((observation): JournalEvent => ({ type: 'alert-observed', at: observation.since, observation })),
  { type: 'alert-notified', at: notification.receivedAt, notification },
  { type: 'fault-reverting', at: T0 + 20_000, id: 'slow' },
  { type: 'fault-reverted', at: T0 + 20_020, id: 'slow' },
  { type: 'alert-observed', at: T0 + 27_000, observation: observations[2]! },
  { type: 'prometheus-lateness', at: T0 + 59_000, reading: lateness },
  { type: 'warning', at: T0 + 60_000, message: 'w-execute' },
];

describe('outcomeFromJournal', () => {
  it('rebuilds the outcome the live run judged, and renders the same reports', () => {
    const events = journal([...executed, { type: 'run-ended', at: T0 + 61_000 }]);
    const live: RunFacts = {
      runId: 'r1',
      prepared: { file: 'journal-test.ts', scenario, plan },
      stack,
      createdAt: T0 - 5000,
      endedAt: T0 + 61_000,
      floors,
      stoppedAtPreflight: false,
      execution: {
        startedAt: T0,
        observations,
        blind: [],
        windows: [],
        traffic: null,
        drift: [],
        prometheusLateness: lateness,
      },
      notifications: [notification],
      faults: [
        {
          id: 'slow',
          kind: 'latency-spike',
          backend: 'local',
          params: faultParams(plan.faults[0]!.fault),
          injectedAt: T0 + 10_010,
          landedAt: T0 + 10_300,
          landedEvidence: 'probe took 410 ms',
          notLandedReason: null,
          revertingAt: T0 + 20_000,
          revertedAt: T0 + 20_020,
          revertError: null,
          cleanupHint: 'curl -X DELETE admin/faults',
        },
      ],
      warnings: ['w-preflight', 'w-execute'],
      error: undefined,
      interrupted: false,
      revertFailed: [],
    };
    const expected = judgeRun(live);
    const rebuilt = outcomeFromJournal(JSON.parse(JSON.stringify(events)));
    expect(rebuilt).toEqual(expected);
    expect(rebuilt.expectations.map((e) => [e.id, e.verdict, e.measuredMs])).toEqual([
      ['fires-Lat-after-slow', 'passed', 4990],
      ['fires-Lat-after-slow-1', 'passed', 5190],
      ['resolves-Lat-after-slow', 'passed', 7000],
      ['silent-Err-during-run', 'passed', null],
    ]);
    // What each expectation is about, as data (matrices and comparisons fold over these).
    expect(
      rebuilt.expectations.map((e) => [e.alert, e.labels, e.faultId ?? null, e.faultKind ?? null]),
    ).toEqual([
      ['Lat', {}, 'slow', 'latency-spike'],
      ['Lat', {}, 'slow', 'latency-spike'],
      ['Lat', {}, 'slow', 'latency-spike'],
      ['Err', {}, null, null],
    ]);
    expect(rebuilt.prometheusLateness).toEqual(lateness);
    expect(buildRunJson(rebuilt)).toEqual(buildRunJson(expected));
    expect(buildJunitXml(rebuilt)).toBe(buildJunitXml(expected));
    expect(buildSummaryMarkdown(rebuilt)).toBe(buildSummaryMarkdown(expected));
  });

  it('a revert that failed and was never retried makes the run exit 12, naming the fault', () => {
    const events = journal([
      ...executed.filter((e) => e.type !== 'fault-reverted'),
      {
        type: 'fault-revert-failed',
        at: T0 + 20_030,
        id: 'slow',
        error: 'admin API down',
        cleanup: 'by hand',
      },
      { type: 'run-ended', at: T0 + 61_000 },
    ]);
    const facts = factsFromJournal(events);
    expect(facts.revertFailed).toEqual(['slow']);
    const outcome = outcomeFromJournal(events);
    expect([outcome.verdict, outcome.exitCode]).toEqual(['errored', 12]);
    expect(outcome.reason).toBe('could not revert slow: the system may still be faulted');
    expect(outcome.faults[0]).toMatchObject({ revertError: 'admin API down', revertedAt: null });
  });

  it('an error journaled before traffic gives its exit code and reason, every expectation inconclusive', () => {
    const events = journal([
      {
        type: 'run-errored',
        at: T0,
        code: 'FD_BACKEND_UNREACHABLE',
        message: 'target not ready',
        hint: 'check the model server',
      },
      { type: 'run-ended', at: T0 + 1 },
    ]);
    const outcome = outcomeFromJournal(events);
    expect([outcome.verdict, outcome.exitCode, outcome.reason]).toEqual([
      'errored',
      3,
      'target not ready (check the model server)',
    ]);
    expect(new Set(outcome.expectations.map((e) => e.verdict))).toEqual(new Set(['inconclusive']));
    expect(outcome.warnings).toEqual(['w-preflight']);
  });

  it('an interrupt wins over the error it caused: aborted, exit 130', () => {
    const events = journal([
      ...executed.slice(0, 4),
      { type: 'fault-reverting', at: T0 + 11_000, id: 'slow' },
      { type: 'fault-reverted', at: T0 + 11_010, id: 'slow' },
      { type: 'run-interrupted', at: T0 + 11_100, signal: 'interrupted' },
      { type: 'run-ended', at: T0 + 11_100 },
    ]);
    const outcome = outcomeFromJournal(events);
    expect([outcome.verdict, outcome.exitCode]).toEqual(['aborted', 130]);
    expect(outcome.reason).toBe('interrupted (Ctrl-C); every fault was reverted');
  });

  it('a budget below its floor at preflight fails that expectation and runs nothing', () => {
    const events = journal([{ type: 'run-ended', at: T0 }]).map((e) =>
      e.type === 'preflight'
        ? {
            ...e,
            floors: [{ ...floors[0]!, floorMs: 9000 }, floors[1]!],
            belowFloor: ['fires-Lat-after-slow'],
          }
        : e,
    );
    const outcome = outcomeFromJournal(events);
    expect([outcome.verdict, outcome.exitCode]).toEqual(['failed', 10]);
    expect(outcome.expectations.map((e) => e.verdict)).toEqual([
      'failed',
      'inconclusive',
      'inconclusive',
      'inconclusive',
    ]);
    expect(outcome.expectations[1]?.detail).toMatch(/stopped at preflight/);
    expect(outcome.traffic).toBeNull();
  });

  it('refuses a journal that does not record its scenario, naming the run (exit 2)', () => {
    const [started, ...rest] = journal([{ type: 'run-ended', at: T0 }]);
    const { definition: _definition, ...old } = started as Extract<JournalEvent, { type: 'run-started' }>;
    expect(() => outcomeFromJournal([old, ...rest])).toThrow(FiredrillError);
    expect(() => outcomeFromJournal([old, ...rest])).toThrow(/journal of r1 does not record the scenario/);
  });
});

describe('promql-samples', () => {
  it('judges a promql expectation from the range query its journal recorded', () => {
    const withPromql = parseScenarioOrThrow(
      {
        ...JSON.parse(JSON.stringify(scenario)),
        traffic: { stages: [{ kind: 'constant', rate: 10, duration: '40s' }] },
        faults: [{ id: 'slow', kind: 'latency-spike', at: '10s', duration: '10s', delay: '400ms' }],
        expect: [
          { kind: 'promql', id: 'up', expr: 'up == 1', after: 'slow', holds: 'eventually', within: '5s' },
        ],
        recovery: '20s',
      },
      'journal-test.ts',
    );
    const revertedAt = T0 + 20_020;
    const recorded = {
      id: 'up',
      expr: 'up == 1',
      startAt: revertedAt,
      endAt: revertedAt + 5000,
      plannedEndAt: revertedAt + 5000,
      stepMs: 1000,
      series: [{ metric: { job: 'm' }, points: [[revertedAt + 3000, '1'] as [number, string]] }],
    };
    const events: JournalEvent[] = [
      { ...journal([])[0]!, definition: JSON.parse(JSON.stringify(withPromql)) } as JournalEvent,
      ...executed.filter((e) => e.type !== 'alert-observed' && e.type !== 'alert-notified'),
      { type: 'promql-samples', at: T0 + 60_500, ...recorded },
      { type: 'run-ended', at: T0 + 61_000 },
    ];
    expect(factsFromJournal(events).execution?.promql).toEqual([recorded]);
    expect(outcomeFromJournal(events).expectations).toMatchObject([
      { id: 'up', kind: 'promql', verdict: 'passed', measuredMs: 3000, budgetMs: 5000, faultId: 'slow' },
    ]);
  });
});
