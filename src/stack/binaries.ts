import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FiredrillError } from '../core/errors.ts';

/** The stack's external programs: where to look, and what to tell the user when one is missing. */
export const stackBinaries = {
  prometheus: { env: 'FIREDRILL_PROMETHEUS', names: ['prometheus'], debianPackage: 'prometheus' },
  alertmanager: {
    env: 'FIREDRILL_ALERTMANAGER',
    names: ['alertmanager', 'prometheus-alertmanager'],
    debianPackage: 'prometheus-alertmanager',
  },
  redis: { env: 'FIREDRILL_REDIS_SERVER', names: ['redis-server'], debianPackage: 'redis-server' },
  promtool: { env: 'FIREDRILL_PROMTOOL', names: ['promtool'], debianPackage: 'prometheus' },
} as const;

export type StackBinary = keyof typeof stackBinaries;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of a binary from its environment variable or PATH, or undefined. */
export function findBinary(binary: StackBinary, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const spec = stackBinaries[binary];
  const fromEnv = env[spec.env];
  if (fromEnv) return fromEnv;
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of spec.names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Like findBinary, but a missing binary is FD_STACK_BINARY_MISSING naming the package and the fix. */
export function requireBinary(binary: StackBinary, env: NodeJS.ProcessEnv = process.env): string {
  const spec = stackBinaries[binary];
  const path = findBinary(binary, env);
  if (path === undefined) {
    throw new FiredrillError('FD_STACK_BINARY_MISSING', `${spec.names.join(' or ')} not found on PATH`, {
      hint: `run \`npm run setup\` (installs the Debian package ${spec.debianPackage} with apt-get), or set ${spec.env} to its path, or use docker compose and pass --prometheus/--alertmanager`,
    });
  }
  if (env[spec.env] && !isExecutable(path)) {
    throw new FiredrillError('FD_STACK_BINARY_MISSING', `${spec.env}=${path} is not an executable file`, {
      hint: `point ${spec.env} at the ${spec.names[0]} binary, or unset it to search PATH`,
    });
  }
  return path;
}
