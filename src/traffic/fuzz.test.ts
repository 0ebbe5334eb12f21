import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFiredrillError } from '../core/errors.ts';
import { parseArrivalTrace } from './arrivals.ts';

/**
 * Property tests for the arrival-trace reader: random traces (numbers, timestamps, junk, comments, JSON
 * arrays, unicode, huge and negative values) give non-negative, non-decreasing offsets or FD_SCENARIO_LOAD
 * (exit 2) naming `file:line` of a line that exists; never a stack trace or another error.
 */

const SEED = 20_261_204;

const entry = fc.oneof(
  fc.nat({ max: 100_000 }).map(String),
  fc.double({ min: -10, max: 1e6, noNaN: true }).map(String),
  fc.constantFrom('1e400', '-0', 'NaN', 'Infinity', '0x10', '1_000', '+5', '.5', '5.'),
  fc
    .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom('2024-02-30T00:00:00Z', '2024-01-01T25:00:00Z', '# comment', '', '   ', '[', ']', '{}'),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);

function check(text: string, file: string): void {
  try {
    const offsets = parseArrivalTrace(text, file);
    expect(offsets.length).toBeGreaterThan(0);
    for (let i = 0; i < offsets.length; i++) {
      expect(Number.isFinite(offsets[i]) && offsets[i]! >= 0).toBe(true);
      if (i > 0) expect(offsets[i]!).toBeGreaterThanOrEqual(offsets[i - 1]!);
    }
  } catch (error) {
    if (!isFiredrillError(error)) throw error;
    expect(error.code).toBe('FD_SCENARIO_LOAD');
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toContain('    at ');
    const lines = text.split(/\r?\n/).length;
    const cited = [...error.message.matchAll(new RegExp(`${file.replace('.', '\\.')}:(\\d+):`, 'g'))];
    expect(cited.length, error.message).toBeGreaterThan(0);
    for (const m of cited) expect(Number(m[1]), error.message).toBeLessThanOrEqual(lines);
  }
}

describe('arrival traces under random input', () => {
  it('line-per-entry traces parse or give exit 2 with file:line', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), (entries, eol) =>
        check(entries.join(eol), 'trace.txt'),
      ),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('JSON-array traces (any JSON values, broken syntax) parse or give exit 2 with file:line', () => {
    const element = fc.oneof(
      fc.nat({ max: 1e6 }),
      fc.double(),
      fc.string({ maxLength: 8 }),
      fc.constant(null),
      fc.constant([1]),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 30 }), fc.nat(), fc.boolean(), (values, cut, broken) => {
        const text = JSON.stringify(values, null, 1);
        check(broken ? text.slice(0, cut % (text.length + 1)) || '[' : text, 'trace.json');
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });
});
