import { spawn as nodeSpawn } from 'node:child_process';
import { FiredrillError } from '../core/errors.ts';
import { waitTargetReady } from '../stack/index.ts';
import { type ConfiguratorSpec, pick, screamingSnake, settingText } from './spec.ts';
import type { Configurator, Settings } from './types.ts';

type CommandSpec = Extract<ConfiguratorSpec, { kind: 'command' }>;

/** The environment a configuration is given to the command in: `maxBatchSize: 8` → `FIREDRILL_SETTING_MAX_BATCH_SIZE=8`. */
export function settingsEnv(settings: Settings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    env[`FIREDRILL_SETTING_${screamingSnake(name)}`] = settingText(value);
  }
  return env;
}

/**
 * A user command as configurator: `apply` runs it with the configuration in FIREDRILL_SETTING_* environment
 * variables (it must exit 0 within `timeoutMs`: e.g. a script that rewrites a config file and restarts the
 * server); `confirm` waits for the readiness probe; `restore` runs it again with the original settings. The
 * command cannot be asked what is in force, so `read` reports the spec's `original` settings.
 */
export function commandConfigurator(
  spec: CommandSpec,
  deps: { spawn?: typeof nodeSpawn } = {},
): Configurator {
  const spawn = deps.spawn ?? nodeSpawn;
  const [file, ...args] = spec.command;
  if (file === undefined) {
    throw new FiredrillError('FD_USAGE', 'configurator command: the command is empty', {
      hint: 'give argv, e.g. command: ["./reconfigure.sh"]',
    });
  }
  const target = `command ${spec.command.join(' ')}`;
  const run = (settings: Settings, code: 'FD_INJECT_FAILED' | 'FD_REVERT_FAILED') =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(file, args, {
        cwd: spec.cwd,
        env: { ...process.env, ...settingsEnv(settings) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-400);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs);
      const fail = (why: string) =>
        reject(
          new FiredrillError(code, `configurator ${target} with ${JSON.stringify(settings)}: ${why}`, {
            hint: 'run the command by hand with the FIREDRILL_SETTING_* variables set to see why',
          }),
        );
      child.once('error', (error) => {
        clearTimeout(timer);
        fail(error.message);
      });
      child.once('exit', (status, signal) => {
        clearTimeout(timer);
        if (status === 0) return resolve();
        const tail = stderr.trim() ? ` (stderr: ${stderr.trim().replace(/\s+/g, ' ')})` : '';
        fail(
          signal !== null
            ? `killed by ${signal}${signal === 'SIGKILL' ? ` after ${spec.timeoutMs} ms` : ''}${tail}`
            : `exited with ${status}${tail}`,
        );
      });
    });
  const probe = (timeoutMs: number) => ({
    url: spec.readiness.url,
    describe: `GET ${spec.readiness.url} → 2xx`,
    isReady: (status: number) => status >= 200 && status < 300,
    timeoutMs,
  });
  // The command is given every setting each time (partial applies merge into what was last applied).
  let current: Settings = { ...spec.original };
  return {
    kind: 'command',
    target,
    async read(names) {
      const missing = names.filter((n) => spec.original[n] === undefined);
      if (missing.length > 0) {
        throw new FiredrillError(
          'FD_USAGE',
          `configurator ${target}: no original value for ${missing.map((n) => `"${n}"`).join(', ')}`,
          { hint: 'a command cannot be asked what is in force: state it in the configurator\'s "original"' },
        );
      }
      return pick(spec.original, names);
    },
    async apply(settings) {
      current = { ...current, ...settings };
      await run(current, 'FD_INJECT_FAILED');
    },
    async confirm(_settings, timeoutMs) {
      await waitTargetReady(probe(timeoutMs));
    },
    async restore(original) {
      current = { ...current, ...original };
      await run(current, 'FD_REVERT_FAILED');
      await waitTargetReady(probe(spec.readiness.timeoutMs));
    },
  };
}
