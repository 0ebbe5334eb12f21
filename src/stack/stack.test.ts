import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findBinary, requireBinary } from './binaries.ts';
import { ComponentStartError, startComponent } from './component.ts';
import { removePrivateFiles, writePrivateFile } from './control.ts';
import { lostPortRace, projectRoot, retryLostPortRace, STACK_START_ATTEMPTS } from './embedded.ts';
import { renderTemplate } from './render.ts';
import { type StackState, writeStackState } from './state.ts';

describe('renderTemplate', () => {
  it('fills every placeholder', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixtures' placeholder syntax
    expect(renderTemplate("targets: ['${A}', '${B_2}']", { A: 'h:1', B_2: 'h:2' }, 't.yml')).toBe(
      "targets: ['h:1', 'h:2']",
    );
  });
  it('refuses to leave a placeholder unfilled, naming the template and the placeholders', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixtures' placeholder syntax
    expect(() => renderTemplate('${A} ${B} ${C}', { A: 'x' }, 'fixtures/p.yml')).toThrow(
      'fixtures/p.yml: no value for placeholders B, C',
    );
  });
});

describe('binaries', () => {
  it('takes a binary from its environment variable first, then PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-bin-'));
    const fake = join(dir, 'redis-server');
    await writeFile(fake, '#!/bin/sh\n');
    await chmod(fake, 0o755);
    expect(findBinary('redis', { PATH: dir })).toBe(fake);
    expect(findBinary('redis', { PATH: '', FIREDRILL_REDIS_SERVER: '/opt/redis' })).toBe('/opt/redis');
  });
  it('names the Debian package and the setup command when a binary is missing', () => {
    expect(() => requireBinary('alertmanager', { PATH: '/nonexistent' })).toThrow(
      /alertmanager or prometheus-alertmanager not found/,
    );
    try {
      requireBinary('alertmanager', { PATH: '/nonexistent' });
    } catch (error) {
      expect((error as { hint: string }).hint).toContain('prometheus-alertmanager');
      expect((error as { hint: string }).hint).toContain('npm run setup');
      expect((error as { exitCode: number }).exitCode).toBe(3);
    }
  });
});

describe('startComponent', () => {
  it('turns an early exit into FD_STACK_START quoting the log, not a hang', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-comp-'));
    const started = Date.now();
    await expect(
      startComponent({
        name: 'clashing',
        command: process.execPath,
        args: [
          '-e',
          'console.error("listen tcp 127.0.0.1:9090: bind: address already in use"); process.exit(1)',
        ],
        logFile: join(dir, 'c.log'),
        ready: async () => false,
        readyTimeoutMs: 10_000,
      }),
    ).rejects.toSatisfy((error) => {
      expect(error).toMatchObject({
        code: 'FD_STACK_START',
        message: expect.stringContaining('address already in use'),
        hint: expect.stringContaining('port is taken'),
      });
      // The stack starts again on other ports for this one, not for other early exits.
      return lostPortRace(error);
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an early exit for another reason is final: the stack does not start again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-comp-'));
    const failure = await startComponent({
      name: 'broken',
      command: process.execPath,
      args: ['-e', 'console.error("error loading config: bad yaml"); process.exit(1)'],
      logFile: join(dir, 'b.log'),
      ready: async () => false,
      readyTimeoutMs: 10_000,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'FD_STACK_START', message: expect.stringContaining('bad yaml') });
    expect(lostPortRace(failure)).toBe(false);
    expect(lostPortRace(new Error('listen EADDRINUSE: address already in use'))).toBe(false);
  });

  it("under a supervisor, quotes the child's log and tells a taken port from other failures", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-comp-'));
    const childLog = join(dir, 'redis.log');
    /** A supervisor that never becomes ready while its child's log says `childSays`. */
    const neverReady = async (childSays: string) => {
      await writeFile(childLog, `${childSays}\n`);
      return startComponent({
        name: 'redis',
        command: process.execPath,
        args: ['-e', 'setTimeout(() => {}, 60000)'],
        logFile: join(dir, 'redis.supervisor.log'),
        childLogFile: childLog,
        ready: async () => false,
        readyTimeoutMs: 500,
      }).catch((error: unknown) => error);
    };
    const failure = await neverReady(
      '# Could not create server TCP listening socket 127.0.0.1:6390: bind: Address already in use',
    );
    expect(failure).toMatchObject({
      code: 'FD_STACK_START',
      message: expect.stringMatching(
        /not ready after 0\.5s[\s\S]*redis\.log, ends:\n.*Address already in use/,
      ),
      hint: expect.stringContaining('port is taken'),
    });
    expect(lostPortRace(failure)).toBe(true);

    const other = await neverReady('FATAL CONFIG FILE ERROR');
    expect(other).toMatchObject({ message: expect.stringContaining('FATAL CONFIG FILE ERROR') });
    expect(lostPortRace(other)).toBe(false);
  });

  it('gives up after the readiness timeout and stops the process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-comp-'));
    await expect(
      startComponent({
        name: 'sleepy',
        command: process.execPath,
        args: ['-e', 'setTimeout(() => {}, 60000)'],
        logFile: join(dir, 's.log'),
        ready: async () => false,
        readyTimeoutMs: 500,
      }),
    ).rejects.toMatchObject({
      code: 'FD_STACK_START',
      message: expect.stringContaining('not ready after 0.5s'),
    });
  });

  it('stops a ready component with SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-comp-'));
    const component = await startComponent({
      name: 'ok',
      command: process.execPath,
      args: ['-e', 'setTimeout(() => {}, 60000)'],
      logFile: join(dir, 'ok.log'),
      ready: async () => true,
      readyTimeoutMs: 1000,
    });
    expect(component.hasExited()).toBe(false);
    await component.stop();
    expect(component.hasExited()).toBe(true);
    expect(await component.exited).toBe('SIGTERM');
  });
});

describe('retryLostPortRace', () => {
  const portTaken = () => new ComponentStartError('prometheus exited (1) before it was ready', true, 'retry');
  const logged = () => {
    const warnings: string[] = [];
    const log = { info: () => {}, debug: () => {}, error: () => {}, warn: (m: string) => warnings.push(m) };
    return { log, warnings };
  };

  it('starts again after a lost port race, saying so, and returns the stack that started', async () => {
    const { log, warnings } = logged();
    let calls = 0;
    const started = await retryLostPortRace(async () => {
      calls += 1;
      if (calls === 1) throw portTaken();
      return 'stack';
    }, log);
    expect(started).toBe('stack');
    expect(calls).toBe(2);
    expect(warnings).toEqual([expect.stringMatching(/took a port.*attempt 2 of 3/)]);
  });

  it(`gives up after ${STACK_START_ATTEMPTS} lost races with the last error`, async () => {
    const { log, warnings } = logged();
    let calls = 0;
    const attempt = retryLostPortRace(async () => {
      calls += 1;
      throw portTaken();
    }, log);
    await expect(attempt).rejects.toBeInstanceOf(ComponentStartError);
    expect(calls).toBe(STACK_START_ATTEMPTS);
    expect(warnings).toHaveLength(STACK_START_ATTEMPTS - 1);
  });

  it('never retries another failure', async () => {
    const { log, warnings } = logged();
    let calls = 0;
    const attempt = retryLostPortRace(async () => {
      calls += 1;
      throw new ComponentStartError('alertmanager exited (1) before it was ready', false, 'see the log');
    }, log);
    await expect(attempt).rejects.toThrow(/alertmanager exited/);
    expect(calls).toBe(1);
    expect(warnings).toEqual([]);
  });
});

describe('secret files', () => {
  it('writes 0600, also over an older file that others could read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-private-'));
    const file = join(dir, 'sub', 'control.json');
    writePrivateFile(file, 'one');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await chmod(file, 0o644);
    writePrivateFile(file, 'two');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toBe('two');
    removePrivateFiles([file, undefined, join(dir, 'absent')]);
    expect(existsSync(file)).toBe(false);
  });

  it('stack.json (tokens and the webhook secret) is 0600 even when it was not before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-state-'));
    await writeFile(join(dir, 'stack.json'), '{}', { mode: 0o644 });
    await writeStackState({ webhookSecret: 'x' } as unknown as StackState, dir);
    expect((await stat(join(dir, 'stack.json'))).mode & 0o777).toBe(0o600);
  });

  it('the Alertmanager template sends the secret file as a bearer token on every webhook, never the secret itself', async () => {
    const template = await readFile(join(projectRoot, 'fixtures/alertmanager/alertmanager.yml'), 'utf8');
    const rendered = parse(
      renderTemplate(
        template,
        { WEBHOOK_URL: 'http://127.0.0.1:9/alertmanager', WEBHOOK_SECRET_FILE: '/d/webhook-secret' },
        'alertmanager.yml',
      ),
    ) as { receivers: { webhook_configs: { http_config?: { authorization?: Record<string, string> } }[] }[] };
    const webhooks = rendered.receivers.flatMap((r) => r.webhook_configs);
    expect(webhooks.length).toBeGreaterThan(0);
    for (const webhook of webhooks) {
      expect(webhook.http_config?.authorization).toEqual({
        type: 'Bearer',
        credentials_file: '/d/webhook-secret',
      });
    }
  });
});
