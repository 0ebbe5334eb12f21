import { parseArgs } from 'node:util';
import { ExitCode, FiredrillError, formatError, isFiredrillError } from '../core/errors.ts';
import { type Logger, lineLogger } from '../core/log.ts';
import { buildRunView, verdictTableReporter } from '../report/index.ts';
import { runGameDay } from '../run/index.ts';
import { type FaultBackend, faultBackends } from '../scenario/index.ts';
import { dryRunCommand } from './dry-run.ts';
import { exportCommand } from './export.ts';
import { downHelp, mainHelp, recoverHelp, reportHelp, runHelp, upHelp, validateHelp } from './help.ts';
import { progressPrinter } from './progress.ts';
import { recoverCommand } from './recover.ts';
import { reportCommand } from './report.ts';
import { downCommand, upCommand } from './stack-commands.ts';
import { validateCommand } from './validate.ts';

/**
 * The CLI entry: the only place that turns errors into exit codes (process.exitCode) and prints them.
 * Errors are one message and a hint, never a stack trace (set FIREDRILL_DEBUG=1 for one).
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${mainHelp}\n`);
    return command === undefined ? ExitCode.usage : ExitCode.passed;
  }
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'validate':
      return withHelp(rest, validateHelp, () => validateCommand(positional(rest, 'validate')));
    case 'up':
      return withHelp(rest, upHelp, () => upCommand(logger()));
    case 'down':
      return withHelp(rest, downHelp, () => downCommand(logger()));
    case 'recover':
      return withHelp(rest, recoverHelp, () => recoverCommand(rest, logger()));
    case 'export':
      return exportCommand(rest);
    case 'report':
      return withHelp(rest, reportHelp, () => reportCommand(rest));
    default:
      throw new FiredrillError('FD_USAGE', `unknown command "${command}"`, {
        hint: 'commands: run, validate, up, down, recover, export, report (firedrill --help)',
      });
  }
}

function logger(): Logger {
  return lineLogger();
}

async function withHelp(args: string[], help: string, action: () => Promise<number>): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(`${help}\n`);
    return ExitCode.passed;
  }
  return action();
}

function positional(args: string[], command: string): string {
  const files = args.filter((a) => !a.startsWith('-'));
  if (files.length !== 1) {
    throw new FiredrillError(
      'FD_USAGE',
      `firedrill ${command} takes one scenario file, got ${files.length}`,
      {
        hint: `firedrill ${command} scenarios/latency-spike.ts`,
      },
    );
  }
  return files[0]!;
}

async function runCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseRunArgs>;
  try {
    parsed = parseRunArgs(args);
  } catch (error) {
    throw new FiredrillError('FD_USAGE', formatError(error), { hint: 'firedrill run --help' });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${runHelp}\n`);
    return ExitCode.passed;
  }
  if (positionals.length !== 1) {
    throw new FiredrillError('FD_USAGE', `firedrill run takes one scenario file, got ${positionals.length}`, {
      hint: 'firedrill run scenarios/latency-spike.ts',
    });
  }
  const webhookPort = portFlag(values['webhook-port'], '--webhook-port', 9099);
  const selfMetricsPort = portFlag(values['metrics-port'], '--metrics-port', 9098);
  const listenHost = values['listen-host'];

  const engineFlag = values.engine;
  if (engineFlag !== undefined && engineFlag !== 'firedrill' && engineFlag !== 'k6') {
    throw new FiredrillError('FD_USAGE', `--engine: "${engineFlag}" is not an engine`, {
      hint: 'firedrill (default) or k6',
    });
  }
  const backend = values.backend;
  if (backend !== undefined && !(faultBackends as readonly string[]).includes(backend)) {
    throw new FiredrillError('FD_USAGE', `--backend: "${backend}" is not a backend`, {
      hint: `one of ${faultBackends.join(', ')}`,
    });
  }
  const allowedNamespaces = [
    ...(values['allow-namespace'] ?? []),
    ...(process.env.FIREDRILL_ALLOWED_NAMESPACES ?? '').split(',').filter(Boolean),
  ];
  if (values['dry-run']) {
    return dryRunCommand(positionals[0]!, {
      backend: backend as FaultBackend | undefined,
      allowedNamespaces,
    });
  }

  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(
        '\ninterrupted: stopping traffic and reverting faults (Ctrl-C again to quit without waiting)\n',
      );
      abort.abort(new FiredrillError('FD_INTERRUPTED', 'interrupted'));
    } else {
      process.stderr.write(
        'quitting without waiting: faults expire by their TTL; run `firedrill down` if a stack is left\n',
      );
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const progress = progressPrinter(process.stderr);
  const log = lineLogger((line) => {
    progress.clear();
    process.stderr.write(`${line}\n`);
  });
  try {
    const result = await runGameDay({
      scenarioFile: positionals[0]!,
      reportsDir: values.out ?? 'reports',
      prometheus: values.prometheus,
      alertmanager: values.alertmanager,
      target: values.target,
      adminUrl: values['admin-url'],
      adminToken: values['admin-token'],
      webhookPort,
      selfMetricsPort,
      listenHost,
      allowHosts: values['allow-host'] ?? [],
      backend: backend as FaultBackend | undefined,
      allowedNamespaces,
      engine: engineFlag,
      requestLog: values['request-log'] === true,
      log: values.quiet ? { ...log, info() {} } : log,
      signal: abort.signal,
      ...(values.quiet ? {} : { onProgress: (p) => progress.update(p) }),
    });
    progress.clear();
    if (result.outcome.reason && result.outcome.verdict === 'errored') {
      process.stderr.write(`firedrill: ${result.outcome.reason}\n`);
    }
    process.stdout.write(
      `${verdictTableReporter({ color: process.stdout.isTTY === true, reportDir: result.reportDir }).render(buildRunView(result.outcome))}\n`,
    );
    return result.exitCode;
  } finally {
    progress.clear();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** A port number flag, or undefined when absent; anything else is a usage error naming the flag. */
function portFlag(value: string | undefined, flag: string, example: number): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new FiredrillError('FD_USAGE', `${flag}: "${value}" is not a port number`, {
      hint: `e.g. ${flag} ${example}`,
    });
  }
  return port;
}

function parseRunArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      prometheus: { type: 'string' },
      alertmanager: { type: 'string' },
      target: { type: 'string' },
      'admin-url': { type: 'string' },
      'admin-token': { type: 'string' },
      'webhook-port': { type: 'string' },
      'metrics-port': { type: 'string' },
      'listen-host': { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      'allow-namespace': { type: 'string', multiple: true },
      backend: { type: 'string' },
      engine: { type: 'string' },
      'dry-run': { type: 'boolean' },
      out: { type: 'string' },
      quiet: { type: 'boolean' },
      'request-log': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

// A reader that goes away (`firedrill validate … | head`) must not crash the command (nor a run that still has
// faults to revert): what is written to a closed pipe is dropped. Other stream errors stay fatal.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`firedrill: ${formatError(error)}\n`);
  if (process.env.FIREDRILL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = isFiredrillError(error) ? error.exitCode : ExitCode.internal;
}
