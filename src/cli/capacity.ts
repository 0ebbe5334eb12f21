import { formatCapacityProgress, formatCapacityTable, runCapacity } from '../capacity/index.ts';
import { ExitCode } from '../core/errors.ts';
import { lineLogger } from '../core/log.ts';
import { abortOnSignals, namespaceAllowlist } from './command-context.ts';
import { parseCapacityFlags } from './flags.ts';
import { capacityHelp } from './help.ts';

/**
 * `firedrill capacity <scenario.ts> [--max-rate N | --max-concurrency N] [--max-duration D] [--price-per-hour USD]
 * [--fault ID] [--workers N]`.
 */
export async function capacityCommand(args: string[]): Promise<number> {
  const flags = parseCapacityFlags(args);
  if (flags.help) {
    process.stdout.write(`${capacityHelp}\n`);
    return ExitCode.passed;
  }
  const interrupt = abortOnSignals(
    'stopping the step, restoring the configuration, writing what was measured',
  );
  const tty = process.stderr.isTTY === true;
  let drawn = false;
  const clear = () => {
    if (drawn) process.stderr.write('\r\x1b[2K');
    drawn = false;
  };
  const log = lineLogger((line) => {
    clear();
    process.stderr.write(`${line}\n`);
  });
  try {
    const run = await runCapacity({
      ...flags,
      reportsDir: flags.out,
      allowedNamespaces: namespaceAllowlist(flags.allowNamespaces),
      log: flags.quiet ? { ...log, info() {} } : log,
      signal: interrupt.signal,
      onProgress:
        flags.quiet || !tty
          ? undefined
          : (p) => {
              process.stderr.write(
                `\r\x1b[2K${formatCapacityProgress(p).slice(0, (process.stderr.columns ?? 120) - 1)}`,
              );
              drawn = true;
            },
    });
    clear();
    process.stdout.write(`${formatCapacityTable(run.result, run.reportDir)}\n`);
    return run.exitCode;
  } finally {
    clear();
    interrupt.release();
  }
}
