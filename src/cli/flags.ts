import { FiredrillError } from '../core/errors.ts';

/** A port number flag, or undefined when absent; anything else is a usage error naming the flag. */
export function portFlag(value: string | undefined, flag: string, example: number): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new FiredrillError('FD_USAGE', `${flag}: "${value}" is not a port number`, {
      hint: `e.g. ${flag} ${example}`,
    });
  }
  return port;
}
