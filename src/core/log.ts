/** Where library code writes human-readable progress. Passed in; never a global. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };

/** Plain timestamped lines on stderr (used when stdout is not a terminal). */
export function lineLogger(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const stamp = () => new Date().toISOString().slice(11, 23);
  return {
    info: (m) => write(`${stamp()} ${m}`),
    warn: (m) => write(`${stamp()} warning: ${m}`),
    debug: (m) => {
      if (process.env.FIREDRILL_DEBUG) write(`${stamp()} debug: ${m}`);
    },
  };
}
