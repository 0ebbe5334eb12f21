import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StackEndpoints } from './embedded.ts';

/**
 * A stack started by `firedrill up` outlives the command; its endpoints and component pids are kept
 * in `.firedrill/stack.json` so that `firedrill run` can use it and `firedrill down` can stop it.
 */
export interface StackState extends StackEndpoints {
  startedAt: string;
  dir: string;
  components: Array<{ name: string; pid: number; logFile: string }>;
}

export function stackStateFile(root: string): string {
  return join(root, '.firedrill', 'stack.json');
}

export async function writeStackState(root: string, state: StackState): Promise<void> {
  const file = stackStateFile(root);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export async function readStackState(root: string): Promise<StackState | undefined> {
  try {
    return JSON.parse(await readFile(stackStateFile(root), 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

export async function removeStackState(root: string): Promise<void> {
  await rm(stackStateFile(root), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
