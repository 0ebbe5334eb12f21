/**
 * Exit codes (documented in the README). Library code never calls process.exit; it throws a
 * FiredrillError whose `exitCode` the CLI entry turns into process.exitCode.
 */
export const ExitCode = {
  passed: 0,
  internal: 1,
  usage: 2,
  environment: 3,
  failed: 10,
  inconclusive: 11,
  revertFailed: 12,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes: callers match on `code`, never on the message. */
export type FiredrillErrorCode =
  | 'FD_SCENARIO_INVALID'
  | 'FD_SCENARIO_LOAD'
  | 'FD_USAGE'
  | 'FD_UNKNOWN_ALERT'
  | 'FD_STACK_BINARY_MISSING'
  | 'FD_STACK_START'
  | 'FD_STACK_CRASHED'
  | 'FD_BACKEND_UNREACHABLE'
  | 'FD_TARGET_NOT_ALLOWED'
  | 'FD_INJECT_FAILED'
  | 'FD_REVERT_FAILED'
  | 'FD_INTERRUPTED'
  | 'FD_INTERNAL';

const exitCodeFor: Record<FiredrillErrorCode, ExitCode> = {
  FD_SCENARIO_INVALID: ExitCode.usage,
  FD_SCENARIO_LOAD: ExitCode.usage,
  FD_USAGE: ExitCode.usage,
  FD_UNKNOWN_ALERT: ExitCode.usage,
  FD_TARGET_NOT_ALLOWED: ExitCode.usage,
  FD_STACK_BINARY_MISSING: ExitCode.environment,
  FD_STACK_START: ExitCode.environment,
  FD_STACK_CRASHED: ExitCode.environment,
  FD_BACKEND_UNREACHABLE: ExitCode.environment,
  FD_INJECT_FAILED: ExitCode.environment,
  FD_REVERT_FAILED: ExitCode.revertFailed,
  FD_INTERRUPTED: ExitCode.interrupted,
  FD_INTERNAL: ExitCode.internal,
};

export interface FiredrillErrorOptions {
  /** What the user can do about it, one sentence. */
  hint?: string;
  cause?: unknown;
}

export class FiredrillError extends Error {
  override readonly name = 'FiredrillError';
  readonly code: FiredrillErrorCode;
  readonly hint: string | undefined;
  constructor(code: FiredrillErrorCode, message: string, options: FiredrillErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
  get exitCode(): ExitCode {
    return exitCodeFor[this.code];
  }
}

export function isFiredrillError(error: unknown): error is FiredrillError {
  return error instanceof Error && (error as Partial<FiredrillError>).name === 'FiredrillError';
}

/** One line for a human: message, then the hint if any. Never a stack trace. */
export function formatError(error: unknown): string {
  if (isFiredrillError(error)) return error.hint ? `${error.message}\n  hint: ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Exhaustiveness check for `switch (x.kind)`. */
export function assertNever(value: never, what = 'value'): never {
  throw new FiredrillError('FD_INTERNAL', `unhandled ${what}: ${JSON.stringify(value)}`);
}
