import { ExitCode, FiredrillError, formatError, isFiredrillError } from '../core/errors.ts';
import { type Logger, lineLogger } from '../core/log.ts';
import { namespaceAllowlist } from './command-context.ts';
import {
  parseBareFlags,
  parseCompareFlags,
  parseRecoverFlags,
  parseRunFlags,
  parseValidateFlags,
} from './flags.ts';
import {
  compareHelp,
  downHelp,
  mainHelp,
  recoverHelp,
  reportHelp,
  runHelp,
  upHelp,
  validateHelp,
} from './help.ts';
import { killAtHook } from './test-hooks.ts';

/**
 * The CLI entry: the only place that turns errors into exit codes (process.exitCode) and prints them.
 * Errors are one message and a hint, never a stack trace (set FIREDRILL_DEBUG=1 for one).
 * Each command loads its modules when it runs (`validate` need not load the runner: a third of the start-up).
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
    case 'validate': {
      const flags = parseValidateFlags(rest);
      if (flags.help) return help(validateHelp);
      return (await import('./validate.ts')).validateCommand(flags.scenarioFile);
    }
    case 'up':
      if (parseBareFlags(rest, 'up').help) return help(upHelp);
      return (await import('./stack-commands.ts')).upCommand(logger());
    case 'down':
      if (parseBareFlags(rest, 'down').help) return help(downHelp);
      return (await import('./stack-commands.ts')).downCommand(logger());
    case 'recover': {
      const flags = parseRecoverFlags(rest);
      if (flags.help) return help(recoverHelp);
      return (await import('./recover.ts')).recoverCommand(flags, logger());
    }
    case 'export':
      return (await import('./export.ts')).exportCommand(rest);
    case 'suite':
      return (await import('./suite.ts')).suiteCommand(rest);
    case 'compare': {
      const flags = parseCompareFlags(rest);
      if (flags.help) return help(compareHelp);
      return (await import('./compare.ts')).compareCommand(flags);
    }
    case 'capacity':
      return (await import('./capacity.ts')).capacityCommand(rest);
    case 'report':
      if (rest.includes('-h') || rest.includes('--help')) return help(reportHelp);
      return (await import('./report.ts')).reportCommand(rest);
    default:
      throw new FiredrillError('FD_USAGE', `unknown command "${command}"`, {
        hint: 'commands: run, suite, compare, capacity, validate, up, down, recover, export, report (firedrill --help)',
      });
  }
}

function logger(): Logger {
  return lineLogger();
}

function help(text: string): number {
  process.stdout.write(`${text}\n`);
  return ExitCode.passed;
}

async function runCommand(args: string[]): Promise<number> {
  const flags = parseRunFlags(args);
  if (flags.help) return help(runHelp);
  const allowedNamespaces = namespaceAllowlist(flags.allowNamespaces);
  if (flags.dryRun) {
    const { dryRunCommand } = await import('./dry-run.ts');
    return dryRunCommand(flags.scenarioFile, { backend: flags.backend, allowedNamespaces });
  }
  const [{ runGameDay }, { buildRunView, verdictTableReporter }, { progressPrinter }] = await Promise.all([
    import('../run/index.ts'),
    import('../report/index.ts'),
    import('./progress.ts'),
  ]);

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
    const afterJournalAppend = killAtHook(process.env);
    const result = await runGameDay({
      afterJournalAppend,
      scenarioFile: flags.scenarioFile,
      reportsDir: flags.out,
      prometheus: flags.prometheus,
      alertmanager: flags.alertmanager,
      target: flags.target,
      adminUrl: flags.adminUrl,
      rules: flags.rules,
      adminToken: flags.adminToken,
      webhookSecretFile: flags.webhookSecretFile,
      webhookPort: flags.webhookPort,
      selfMetricsPort: flags.selfMetricsPort,
      listenHost: flags.listenHost,
      allowHosts: flags.allowHosts,
      backend: flags.backend,
      allowedNamespaces,
      engine: flags.engine,
      requestLog: flags.requestLog,
      workers: flags.workers,
      log: flags.quiet ? { ...log, info() {} } : log,
      signal: abort.signal,
      ...(flags.quiet ? {} : { onProgress: (p) => progress.update(p) }),
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
