import { parseArgs } from 'node:util';
import { ExitCode, FiredrillError, formatError } from '../core/errors.ts';
import { lineLogger } from '../core/log.ts';
import { type FaultBackend, faultBackends } from '../scenario/index.ts';
import { formatSuiteTable, runSuite } from '../suite/index.ts';
import { portFlag } from './flags.ts';
import { suiteHelp } from './help.ts';

function parseSuiteArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      repeat: { type: 'string' },
      prometheus: { type: 'string' },
      alertmanager: { type: 'string' },
      target: { type: 'string' },
      rules: { type: 'string' },
      'admin-url': { type: 'string' },
      'admin-token': { type: 'string' },
      'webhook-port': { type: 'string' },
      'metrics-port': { type: 'string' },
      'listen-host': { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      'allow-namespace': { type: 'string', multiple: true },
      backend: { type: 'string' },
      out: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** `firedrill suite <dir | files… | x.suite.ts> [--repeat N] [stack flags as for run]`. */
export async function suiteCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseSuiteArgs>;
  try {
    parsed = parseSuiteArgs(args);
  } catch (error) {
    throw new FiredrillError('FD_USAGE', formatError(error), { hint: 'firedrill suite --help' });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${suiteHelp}\n`);
    return ExitCode.passed;
  }
  let repeat: number | undefined;
  if (values.repeat !== undefined) {
    repeat = Number(values.repeat);
    if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 100)) {
      throw new FiredrillError(
        'FD_USAGE',
        `--repeat: "${values.repeat}" is not a number of runs from 1 to 100`,
        {
          hint: 'e.g. --repeat 3',
        },
      );
    }
  }
  const backend = values.backend;
  if (backend !== undefined && !(faultBackends as readonly string[]).includes(backend)) {
    throw new FiredrillError('FD_USAGE', `--backend: "${backend}" is not a backend`, {
      hint: `one of ${faultBackends.join(', ')}`,
    });
  }
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) return;
    process.stderr.write(
      '\ninterrupted: the running scenario reverts its faults; the suite writes what ran\n',
    );
    abort.abort(new FiredrillError('FD_INTERRUPTED', 'interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const log = lineLogger();
  try {
    const result = await runSuite({
      args: positionals,
      repeat,
      reportsDir: values.out ?? 'reports',
      prometheus: values.prometheus,
      alertmanager: values.alertmanager,
      target: values.target,
      rules: values.rules,
      adminUrl: values['admin-url'],
      adminToken: values['admin-token'],
      webhookPort: portFlag(values['webhook-port'], '--webhook-port', 9099),
      selfMetricsPort: portFlag(values['metrics-port'], '--metrics-port', 9098),
      listenHost: values['listen-host'],
      allowHosts: values['allow-host'] ?? [],
      allowedNamespaces: [
        ...(values['allow-namespace'] ?? []),
        ...(process.env.FIREDRILL_ALLOWED_NAMESPACES ?? '').split(',').filter(Boolean),
      ],
      backend: backend as FaultBackend | undefined,
      log: values.quiet ? { ...log, info() {} } : log,
      signal: abort.signal,
      onRun: ({ phase, scenario, repeat: round, entry }) => {
        if (values.quiet) return;
        if (phase === 'start') log.info(`suite: ${scenario} (run ${round}) starts`);
        if (phase === 'end' && entry)
          log.info(`suite: ${scenario} (run ${round}) ${entry.verdict} (exit ${entry.exitCode})`);
      },
    });
    if (result.outcome.reason) process.stderr.write(`firedrill: ${result.outcome.reason}\n`);
    process.stdout.write(`${formatSuiteTable(result.outcome, result.reportDir)}\n`);
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
