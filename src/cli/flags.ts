import { parseArgs } from 'node:util';
import { parseDuration } from '../core/duration.ts';
import { FiredrillError, formatError } from '../core/errors.ts';
import { type FaultBackend, faultBackends } from '../scenario/index.ts';
import { parseWorkers } from '../traffic/index.ts';

/**
 * Command-line flags of each command, parsed and checked without side effects: every problem is a
 * FiredrillError FD_USAGE (exit 2) naming the flag and the value, never another error, and nothing given is
 * silently ignored (an unknown flag or an extra argument is refused).
 */

export type Parsed<T> = { help: true } | ({ help: false } & T);

/** Runs node:util parseArgs; its errors (unknown flag, missing value) become FD_USAGE for `command`. */
function usage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new FiredrillError('FD_USAGE', formatError(error), {
      hint: `firedrill ${command} --help`,
    });
  }
}

const help = { type: 'boolean', short: 'h' } as const;

/** A port number flag, or undefined when absent; anything else is a usage error naming the flag. */
export function portFlag(value: string | undefined, flag: string, example: number): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!(/^\d+$/.test(value) && Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new FiredrillError('FD_USAGE', `${flag}: "${value}" is not a port number`, {
      hint: `e.g. ${flag} ${example}`,
    });
  }
  return port;
}

/** A whole number ≥ 1 (`--parallelism`, `--max-payloads`). */
export function wholeNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!(/^\d+$/.test(text) && Number.isSafeInteger(n) && n >= 1)) {
    throw new FiredrillError('FD_USAGE', `${flag}: "${text}" is not a whole number ≥ 1`, {
      hint: `e.g. ${flag} 4`,
    });
  }
  return n;
}

function oneFile(positionals: string[], command: string, example: string): string {
  if (positionals.length !== 1) {
    throw new FiredrillError(
      'FD_USAGE',
      `firedrill ${command} takes one scenario file, got ${positionals.length}`,
      { hint: `firedrill ${command} ${example}` },
    );
  }
  return positionals[0]!;
}

/** Where the system under test is and how firedrill reaches it: the flags `run` and `suite` share. */
export interface StackFlagValues {
  prometheus: string | undefined;
  alertmanager: string | undefined;
  target: string | undefined;
  rules: string | undefined;
  adminUrl: string | undefined;
  adminToken: string | undefined;
  webhookPort: number | undefined;
  webhookSecretFile: string | undefined;
  selfMetricsPort: number | undefined;
  listenHost: string | undefined;
  allowHosts: string[];
  /** From --allow-namespace only (the CLI adds $FIREDRILL_ALLOWED_NAMESPACES). */
  allowNamespaces: string[];
  backend: FaultBackend | undefined;
  out: string;
  quiet: boolean;
}

const stackOptions = {
  prometheus: { type: 'string' },
  alertmanager: { type: 'string' },
  target: { type: 'string' },
  rules: { type: 'string' },
  'admin-url': { type: 'string' },
  'admin-token': { type: 'string' },
  'webhook-port': { type: 'string' },
  'webhook-secret-file': { type: 'string' },
  'metrics-port': { type: 'string' },
  'listen-host': { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
  'allow-namespace': { type: 'string', multiple: true },
  backend: { type: 'string' },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

type StackOptionValues = {
  [K in keyof typeof stackOptions]?: (typeof stackOptions)[K] extends { multiple: true }
    ? string[]
    : (typeof stackOptions)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

function stackFlagValues(values: StackOptionValues): StackFlagValues {
  const backend = values.backend;
  if (backend !== undefined && !(faultBackends as readonly string[]).includes(backend)) {
    throw new FiredrillError('FD_USAGE', `--backend: "${backend}" is not a backend`, {
      hint: `one of ${faultBackends.join(', ')}`,
    });
  }
  return {
    prometheus: values.prometheus,
    alertmanager: values.alertmanager,
    target: values.target,
    rules: values.rules,
    adminUrl: values['admin-url'],
    adminToken: values['admin-token'],
    webhookPort: portFlag(values['webhook-port'], '--webhook-port', 9099),
    webhookSecretFile: values['webhook-secret-file'],
    selfMetricsPort: portFlag(values['metrics-port'], '--metrics-port', 9098),
    listenHost: values['listen-host'],
    allowHosts: values['allow-host'] ?? [],
    allowNamespaces: values['allow-namespace'] ?? [],
    backend: backend as FaultBackend | undefined,
    out: values.out ?? 'reports',
    quiet: values.quiet === true,
  };
}

export interface RunFlags extends StackFlagValues {
  scenarioFile: string;
  engine: 'firedrill' | 'k6' | undefined;
  dryRun: boolean;
  requestLog: boolean;
  /** Traffic threads of the open engine (default 1). */
  workers: number;
}

/** `firedrill run <scenario.ts> [options]` (see runHelp). */
export function parseRunFlags(args: string[]): Parsed<RunFlags> {
  const { values, positionals } = usage('run', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...stackOptions,
        engine: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'request-log': { type: 'boolean' },
        workers: { type: 'string' },
        help,
      },
    }),
  );
  if (values.help) return { help: true };
  const scenarioFile = oneFile(positionals, 'run', 'scenarios/latency-spike.ts');
  const workers = values.workers === undefined ? 1 : parseWorkers(values.workers);
  if (workers > 1 && values.engine === 'k6') {
    throw new FiredrillError('FD_USAGE', `--workers ${workers} is for firedrill's engine, not k6`, {
      hint: 'k6 sizes its own VUs; drop --workers or --engine k6',
    });
  }
  const engine = values.engine;
  if (engine !== undefined && engine !== 'firedrill' && engine !== 'k6') {
    throw new FiredrillError('FD_USAGE', `--engine: "${engine}" is not an engine`, {
      hint: 'firedrill (default) or k6',
    });
  }
  return {
    help: false,
    scenarioFile,
    ...stackFlagValues(values),
    engine,
    dryRun: values['dry-run'] === true,
    requestLog: values['request-log'] === true,
    workers,
  };
}

export interface SuiteFlags extends StackFlagValues {
  /** Suite file, or scenario files and folders. */
  paths: string[];
  repeat: number | undefined;
  /** Alerts the quiescence gate may find active (added to the suite file's known:). */
  known: string[];
  /** A baseline run or suite folder to compare with (overrides the suite file's baseline:). */
  baseline: string | undefined;
  /** The comparison's tolerance text, e.g. `2s,1.5x` (parsed where it is used). */
  tolerance: string | undefined;
}

/** `firedrill suite <dir | files… | x.suite.ts> [--repeat N] [options]` (see suiteHelp). */
export function parseSuiteFlags(args: string[]): Parsed<SuiteFlags> {
  const { values, positionals } = usage('suite', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...stackOptions,
        repeat: { type: 'string' },
        known: { type: 'string', multiple: true },
        baseline: { type: 'string' },
        tolerance: { type: 'string' },
        help,
      },
    }),
  );
  if (values.help) return { help: true };
  if (positionals.length === 0) {
    throw new FiredrillError(
      'FD_USAGE',
      'firedrill suite needs scenarios: a folder, scenario files or a suite file',
      {
        hint: 'e.g. firedrill suite scenarios/ or firedrill suite gate.suite.ts',
      },
    );
  }
  let repeat: number | undefined;
  if (values.repeat !== undefined) {
    repeat = wholeNumber(values.repeat, '--repeat');
    if (repeat > 100) {
      throw new FiredrillError('FD_USAGE', `--repeat: ${repeat} runs of each scenario is more than 100`, {
        hint: 'e.g. --repeat 3',
      });
    }
  }
  return {
    help: false,
    paths: positionals,
    repeat,
    known: values.known ?? [],
    baseline: values.baseline,
    tolerance: values.tolerance,
    ...stackFlagValues(values),
  };
}

/** `firedrill validate <scenario.ts>`. */
export function parseValidateFlags(args: string[]): Parsed<{ scenarioFile: string }> {
  const { values, positionals } = usage('validate', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: { help } }),
  );
  if (values.help) return { help: true };
  return { help: false, scenarioFile: oneFile(positionals, 'validate', 'scenarios/latency-spike.ts') };
}

/** `firedrill up` and `firedrill down`: no arguments. */
export function parseBareFlags(args: string[], command: 'up' | 'down'): Parsed<object> {
  const { values, positionals } = usage(command, () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: { help } }),
  );
  if (values.help) return { help: true };
  if (positionals.length > 0) {
    throw new FiredrillError('FD_USAGE', `firedrill ${command} takes no arguments, got "${positionals[0]}"`, {
      hint: `firedrill ${command}`,
    });
  }
  return { help: false };
}

/** `firedrill recover [run] [--out DIR]`. */
export function parseRecoverFlags(args: string[]): Parsed<{ run: string | undefined; out: string }> {
  const { values, positionals } = usage('recover', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: { out: { type: 'string' }, help } }),
  );
  if (values.help) return { help: true };
  if (positionals.length > 1) {
    throw new FiredrillError(
      'FD_USAGE',
      `firedrill recover takes at most one run, got ${positionals.length}`,
      { hint: 'firedrill recover reports/<run-id>' },
    );
  }
  return { help: false, run: positionals[0], out: values.out ?? 'reports' };
}

export interface ExportFlags {
  format: 'k6' | 'k6-operator';
  scenarioFile: string;
  out: string;
  target: string | undefined;
  maxPayloads: number | undefined;
  /** k6-operator only (required there). */
  parallelism: number | undefined;
  namespace: string;
  resultsClaim: string | undefined;
  /** A capacity.json or its folder: export its SLO capacity as one constant rate. */
  atCapacity: string | undefined;
  /** With atCapacity: which configuration (1-based); default the recommended one. */
  configuration: number | undefined;
  /** With atCapacity: how long to hold the rate, ms (default 60 s). */
  durationMs: number;
}

/** `firedrill export k6|k6-operator <scenario.ts> [options]` (see exportHelp). */
export function parseExportFlags(args: string[]): Parsed<ExportFlags> {
  const { values, positionals } = usage('export', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        target: { type: 'string' },
        'max-payloads': { type: 'string' },
        parallelism: { type: 'string' },
        namespace: { type: 'string' },
        'results-pvc': { type: 'string' },
        'at-capacity': { type: 'string' },
        configuration: { type: 'string' },
        duration: { type: 'string' },
        help,
      },
    }),
  );
  if (values.help) return { help: true };
  const [format, file, ...extra] = positionals;
  if (
    values['at-capacity'] === undefined &&
    (values.configuration !== undefined || values.duration !== undefined)
  ) {
    throw new FiredrillError('FD_USAGE', '--configuration and --duration are for an export --at-capacity', {
      hint: 'firedrill export k6 <scenario.ts> --at-capacity reports/latest [--configuration N] [--duration 60s]',
    });
  }
  const duration = values.duration ?? '60s';
  const durationMs = parseDuration(duration);
  if (durationMs === undefined || durationMs < 1000) {
    throw new FiredrillError('FD_USAGE', `--duration: "${duration}" is not a duration of 1s or more`, {
      hint: 'e.g. --duration 60s or --duration 5m',
    });
  }
  if (format !== 'k6' && format !== 'k6-operator') {
    throw new FiredrillError(
      'FD_USAGE',
      format === undefined ? 'firedrill export needs a format' : `unknown export format "${format}"`,
      {
        hint: 'firedrill export k6 <scenario.ts> or firedrill export k6-operator <scenario.ts> --parallelism N',
      },
    );
  }
  if (file === undefined || extra.length > 0) {
    throw new FiredrillError('FD_USAGE', `firedrill export ${format} takes one scenario file`, {
      hint: `firedrill export ${format} scenarios/latency-spike.ts`,
    });
  }
  if (format === 'k6' && (values.parallelism !== undefined || values.namespace !== undefined)) {
    throw new FiredrillError('FD_USAGE', '--parallelism and --namespace are for `export k6-operator`', {
      hint: `firedrill export k6-operator ${file} --parallelism 4`,
    });
  }
  if (format === 'k6-operator' && values.parallelism === undefined) {
    throw new FiredrillError('FD_USAGE', 'firedrill export k6-operator needs --parallelism N', {
      hint: 'the number of k6 runner pods, e.g. --parallelism 4',
    });
  }
  return {
    help: false,
    format,
    scenarioFile: file,
    out: values.out ?? 'k6',
    target: values.target,
    maxPayloads:
      values['max-payloads'] === undefined
        ? undefined
        : wholeNumber(values['max-payloads'], '--max-payloads'),
    parallelism:
      values.parallelism === undefined ? undefined : wholeNumber(values.parallelism, '--parallelism'),
    namespace: values.namespace ?? 'default',
    resultsClaim: values['results-pvc'],
    atCapacity: values['at-capacity'],
    configuration:
      values.configuration === undefined ? undefined : wholeNumber(values.configuration, '--configuration'),
    durationMs,
  };
}

/** `firedrill capacity <scenario.ts>`: the stack flags, the search's bounds, cost and the fault to hold. */
export interface CapacityFlags extends StackFlagValues {
  scenarioFile: string;
  maxRate: number | undefined;
  maxConcurrency: number | undefined;
  maxDurationMs: number | undefined;
  pricePerHour: number | undefined;
  replicas: number | undefined;
  fault: string | undefined;
  /** Traffic threads of the open engine (default 1). */
  workers: number;
}

function positiveNumber(text: string | undefined, flag: string, example: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(text.trim() !== '' && Number.isFinite(n) && n > 0)) {
    throw new FiredrillError('FD_USAGE', `${flag}: "${text}" is not a number above 0`, {
      hint: `e.g. ${flag} ${example}`,
    });
  }
  return n;
}

export function parseCapacityFlags(args: string[]): Parsed<CapacityFlags> {
  const { values, positionals } = usage('capacity', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...stackOptions,
        'max-rate': { type: 'string' },
        'max-concurrency': { type: 'string' },
        'max-duration': { type: 'string' },
        'price-per-hour': { type: 'string' },
        replicas: { type: 'string' },
        fault: { type: 'string' },
        workers: { type: 'string' },
        help,
      },
    }),
  );
  if (values.help) return { help: true };
  const maxDuration = values['max-duration'];
  const maxDurationMs = maxDuration === undefined ? undefined : parseDuration(maxDuration);
  if (maxDuration !== undefined && (maxDurationMs === undefined || maxDurationMs <= 0)) {
    throw new FiredrillError('FD_USAGE', `--max-duration: "${maxDuration}" is not a duration`, {
      hint: 'e.g. --max-duration 5m',
    });
  }
  return {
    help: false,
    scenarioFile: oneFile(positionals, 'capacity', 'scenarios/capacity-search.ts'),
    maxRate: positiveNumber(values['max-rate'], '--max-rate', '500'),
    maxConcurrency:
      values['max-concurrency'] === undefined
        ? undefined
        : wholeNumber(values['max-concurrency'], '--max-concurrency'),
    maxDurationMs,
    pricePerHour: positiveNumber(values['price-per-hour'], '--price-per-hour', '2.5'),
    replicas: values.replicas === undefined ? undefined : wholeNumber(values.replicas, '--replicas'),
    fault: values.fault,
    workers: values.workers === undefined ? 1 : parseWorkers(values.workers),
    ...stackFlagValues(values),
  };
}

export interface CompareFlags {
  baseline: string;
  current: string;
  /** The --tolerance text (parsed by the compare command, which names the flag in its errors). */
  tolerance: string | undefined;
  json: string | undefined;
  markdown: string | undefined;
}

/** `firedrill compare <baseline> <new> [--tolerance 2s,1.5x] [--json FILE] [--markdown FILE]`. */
export function parseCompareFlags(args: string[]): Parsed<CompareFlags> {
  const { values, positionals } = usage('compare', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        tolerance: { type: 'string' },
        json: { type: 'string' },
        markdown: { type: 'string' },
        help,
      },
    }),
  );
  if (values.help) return { help: true };
  if (positionals.length !== 2) {
    throw new FiredrillError(
      'FD_USAGE',
      `firedrill compare takes a baseline folder and a new folder, got ${positionals.length}`,
      { hint: 'firedrill compare reports/suite-<baseline> reports/latest' },
    );
  }
  return {
    help: false,
    baseline: positionals[0]!,
    current: positionals[1]!,
    tolerance: values.tolerance,
    json: values.json,
    markdown: values.markdown,
  };
}
