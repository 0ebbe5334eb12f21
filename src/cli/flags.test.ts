import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import {
  parseBareFlags,
  parseCapacityFlags,
  parseCompareFlags,
  parseExportFlags,
  parseRecoverFlags,
  parseRunFlags,
  parseSuiteFlags,
  parseValidateFlags,
} from './flags.ts';

const SEED = 20_261_204;

function usageError(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (isFiredrillError(error) && error.code === 'FD_USAGE' && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('command-line flags', () => {
  it('parses capacity --workers (default 1) and refuses a count that is not one', () => {
    expect(parseCapacityFlags(['c.ts'])).toMatchObject({ scenarioFile: 'c.ts', workers: 1 });
    expect(parseCapacityFlags(['c.ts', '--workers', '2', '--max-rate', '900'])).toMatchObject({
      workers: 2,
      maxRate: 900,
    });
    expect(usageError(() => parseCapacityFlags(['c.ts', '--workers', '0']))).toBe(
      '--workers: "0" is not a number of traffic threads',
    );
  });

  it('parses a full run command line', () => {
    const flags = parseRunFlags([
      's.ts',
      '--webhook-port',
      '9099',
      '--allow-host',
      'a',
      '--allow-host',
      'b',
      '--backend',
      'docker',
      '--engine',
      'k6',
      '--quiet',
    ]);
    expect(flags).toMatchObject({
      help: false,
      scenarioFile: 's.ts',
      webhookPort: 9099,
      allowHosts: ['a', 'b'],
      backend: 'docker',
      engine: 'k6',
      quiet: true,
      out: 'reports',
    });
    expect(parseRunFlags(['-h'])).toEqual({ help: true });
  });

  it('--workers: default 1, an integer 1…64, not with k6; with --request-log', () => {
    expect(parseRunFlags(['s.ts'])).toMatchObject({ workers: 1 });
    expect(parseRunFlags(['s.ts', '--workers', '2'])).toMatchObject({ workers: 2 });
    expect(usageError(() => parseRunFlags(['s.ts', '--workers', '0']))).toContain(
      '--workers: "0" is not a number of traffic threads',
    );
    expect(usageError(() => parseRunFlags(['s.ts', '--workers', '2', '--engine', 'k6']))).toContain(
      "--workers 2 is for firedrill's engine, not k6",
    );
    expect(parseRunFlags(['s.ts', '--workers', '2', '--request-log'])).toMatchObject({
      workers: 2,
      requestLog: true,
    });
  });

  it.each([
    [() => parseRunFlags(['s.ts', '--webhook-port', '0x50']), '--webhook-port: "0x50" is not a port number'],
    [
      () => parseRunFlags(['s.ts', '--metrics-port', '70000']),
      '--metrics-port: "70000" is not a port number',
    ],
    [() => parseRunFlags(['s.ts', '--backend', 'k8s']), '--backend: "k8s" is not a backend'],
    [() => parseRunFlags(['s.ts', '--engine', 'wrk']), '--engine: "wrk" is not an engine'],
    [() => parseRunFlags(['a.ts', 'b.ts']), 'firedrill run takes one scenario file, got 2'],
    [() => parseRunFlags(['s.ts', '--promethues', 'x']), "Unknown option '--promethues'"],
    [() => parseValidateFlags(['s.ts', '--strict']), "Unknown option '--strict'"],
    [() => parseValidateFlags([]), 'firedrill validate takes one scenario file, got 0'],
    [() => parseBareFlags(['now'], 'up'), 'firedrill up takes no arguments, got "now"'],
    [() => parseRecoverFlags(['a', 'b']), 'firedrill recover takes at most one run, got 2'],
    [() => parseExportFlags(['k7', 's.ts']), 'unknown export format "k7"'],
    [() => parseExportFlags(['k6-operator', 's.ts']), 'firedrill export k6-operator needs --parallelism N'],
    [() => parseExportFlags(['k6', 's.ts', '--parallelism', '2']), '--parallelism and --namespace are for'],
    [
      () => parseExportFlags(['k6-operator', 's.ts', '--parallelism', '1.5']),
      '--parallelism: "1.5" is not a whole number ≥ 1',
    ],
    [
      () => parseExportFlags(['k6', 's.ts', '--duration', '30s']),
      '--configuration and --duration are for an export --at-capacity',
    ],
    [
      () => parseExportFlags(['k6', 's.ts', '--at-capacity', 'r', '--duration', '500ms']),
      '--duration: "500ms" is not a duration of 1s or more',
    ],
    [
      () => parseExportFlags(['k6', 's.ts', '--at-capacity', 'r', '--configuration', '0']),
      '--configuration: "0" is not a whole number ≥ 1',
    ],
  ])('refuses bad input with a usage error naming it (%#)', (parse, message) => {
    expect(usageError(parse)).toContain(message);
  });

  it('parses export --at-capacity with its configuration and duration (default 60 s)', () => {
    expect(
      parseExportFlags([
        'k6-operator',
        's.ts',
        '--parallelism',
        '2',
        '--at-capacity',
        'reports/latest',
        '--configuration',
        '3',
        '--duration',
        '90s',
      ]),
    ).toMatchObject({ atCapacity: 'reports/latest', configuration: 3, durationMs: 90_000 });
    expect(parseExportFlags(['k6', 's.ts', '--at-capacity', 'c.json'])).toMatchObject({
      atCapacity: 'c.json',
      configuration: undefined,
      durationMs: 60_000,
    });
  });

  it('random argv never throws anything but a usage error (exit 2)', () => {
    const token = fc.oneof(
      fc.constantFrom(
        '--prometheus',
        '--webhook-port',
        '--metrics-port',
        '--backend',
        '--engine',
        '--allow-host',
        '--dry-run',
        '--quiet',
        '--out',
        '--parallelism',
        '--max-payloads',
        '--namespace',
        '--at-capacity',
        '--configuration',
        '--duration',
        '--help',
        '-h',
        '-x',
        '--',
        '-',
        '--=',
        '--quiet=yes',
        '--out=',
        'k6',
        'k6-operator',
        's.ts',
        '9099',
        '-1',
        '1e3',
        'NaN',
        'docker',
      ),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ maxLength: 8 }).map((s) => `--${s}`),
    );
    const parsers = [
      parseRunFlags,
      parseValidateFlags,
      parseRecoverFlags,
      parseExportFlags,
      (args: string[]) => parseBareFlags(args, 'up'),
    ];
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), (argv) => {
        for (const parse of parsers) {
          try {
            parse(argv);
          } catch (error) {
            expect(isFiredrillError(error), String(error)).toBe(true);
            if (!isFiredrillError(error)) return;
            expect(error.exitCode).toBe(2);
            expect(error.message).not.toContain('    at ');
          }
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('compare and suite --baseline flags', () => {
  it('parses compare: two folders and its options', () => {
    expect(
      parseCompareFlags(['a', 'b', '--tolerance', '3s,2x', '--json', 'c.json', '--markdown', 'c.md']),
    ).toEqual({
      help: false,
      baseline: 'a',
      current: 'b',
      tolerance: '3s,2x',
      json: 'c.json',
      markdown: 'c.md',
    });
    expect(parseCompareFlags(['a', 'b'])).toMatchObject({ tolerance: undefined, json: undefined });
  });

  it.each([
    [['a'], /takes a baseline folder and a new folder, got 1/],
    [['a', 'b', 'c'], /got 3/],
    [['a', 'b', '--tolerance'], /--tolerance/],
    [['a', 'b', '--repeat', '2'], /--repeat/],
  ])('refuses compare %j', (args, message) =>
    expect(usageError(() => parseCompareFlags(args))).toMatch(message),
  );

  it('suite takes --baseline and --tolerance', () => {
    expect(parseSuiteFlags(['s/', '--baseline', 'reports/old', '--tolerance', '5s'])).toMatchObject({
      baseline: 'reports/old',
      tolerance: '5s',
      paths: ['s/'],
    });
  });
});
