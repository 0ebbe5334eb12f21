import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writePrivateFile } from './control.ts';
import { projectRoot, type StackEndpoints } from './embedded.ts';

/**
 * A stack started by `firedrill up` outlives the command; its endpoints and component pids are kept
 * in `.firedrill/stack.json` so that `firedrill run` can use it and `firedrill down` can stop it.
 */
export interface StackState extends StackEndpoints {
  startedAt: string;
  dir: string;
  components: Array<{ name: string; pid: number; logFile: string }>;
}

/**
 * Where `firedrill up` keeps its state and the stack's logs and data: $FIREDRILL_STATE_DIR, or
 * `.firedrill/` in the project.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FIREDRILL_STATE_DIR ? resolve(env.FIREDRILL_STATE_DIR) : join(projectRoot, '.firedrill');
}

export function stackStateFile(dir: string = stateDir()): string {
  return join(dir, 'stack.json');
}

/** Mode 0600, also over an older file: it holds the admin, control and webhook tokens. */
export async function writeStackState(state: StackState, dir: string = stateDir()): Promise<void> {
  writePrivateFile(stackStateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

export async function readStackState(dir: string = stateDir()): Promise<StackState | undefined> {
  try {
    return JSON.parse(await readFile(stackStateFile(dir), 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

export async function removeStackState(dir: string = stateDir()): Promise<void> {
  await rm(stackStateFile(dir), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
