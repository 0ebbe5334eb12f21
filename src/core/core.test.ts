import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';
import { ExitCode, FiredrillError, formatError } from './errors.ts';
import { assertTargetAllowed, isLoopbackHost } from './loopback.ts';
import { median } from './stats.ts';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
  ])('parses %s as %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '30', 's', '30 s', '-5s', '5sec', 'abc'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it.each([
    [950, '950ms'],
    [2500, '2.5s'],
    [90_000, '1m30s'],
    [120_000, '2m'],
  ])('formats %i ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('errors', () => {
  it('maps codes to the documented exit codes and formats message + hint', () => {
    const error = new FiredrillError('FD_UNKNOWN_ALERT', 'no rule X', { hint: 'check the name' });
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(new FiredrillError('FD_REVERT_FAILED', 'x').exitCode).toBe(12);
    expect(new FiredrillError('FD_STACK_START', 'x').exitCode).toBe(3);
    expect(formatError(error)).toBe('no rule X\n  hint: check the name');
  });
});

describe('loopback safety gate', () => {
  it.each(['127.0.0.1', '127.3.2.1', 'localhost', '[::1]', '::1'])('%s is loopback', (host) =>
    expect(isLoopbackHost(host)).toBe(true),
  );
  it.each(['10.0.0.1', '192.168.1.1', '128.0.0.1', 'example.com', '127.0.0.256'])('%s is not', (host) =>
    expect(isLoopbackHost(host)).toBe(false),
  );
  it('refuses a non-loopback target unless allowed, naming where it came from', () => {
    expect(() => assertTargetAllowed('http://10.1.2.3:8080', '--target')).toThrow(
      /--target: host "10.1.2.3" is not a loopback/,
    );
    expect(assertTargetAllowed('http://10.1.2.3:8080', '--target', ['10.1.2.3']).port).toBe('8080');
  });
});

describe('median', () => {
  it.each([
    [[5], 5],
    [[3, 1], 2],
    [[9, 1, 5], 5],
    [[4, 1, 3, 2], 2.5],
  ])('median(%j) = %d', (values, expected) => expect(median(values)).toBe(expected));
  it('refuses an empty list', () => expect(() => median([])).toThrow(RangeError));
});
