#!/usr/bin/env zx
// Checks for the programs firedrill's embedded stack runs (Prometheus, Alertmanager, Redis, promtool)
// and installs the missing ones from Debian/Ubuntu packages with apt-get when it can (root).
// Otherwise it exits 3 naming the packages, and the docker-compose alternative.
// Each binary can also be named by an environment variable (FIREDRILL_PROMETHEUS, ...).
// With --tests (npm test's pretest) it also wants Chromium, which the HTML report tests drive.
import { $, which } from 'zx';

$.verbose = false;

const needed = [
  { what: 'prometheus', env: 'FIREDRILL_PROMETHEUS', names: ['prometheus'], pkg: 'prometheus' },
  { what: 'promtool', env: 'FIREDRILL_PROMTOOL', names: ['promtool'], pkg: 'prometheus' },
  {
    what: 'alertmanager',
    env: 'FIREDRILL_ALERTMANAGER',
    names: ['alertmanager', 'prometheus-alertmanager'],
    pkg: 'prometheus-alertmanager',
  },
  { what: 'redis-server', env: 'FIREDRILL_REDIS_SERVER', names: ['redis-server'], pkg: 'redis-server' },
  ...(process.argv.includes('--tests')
    ? [{ what: 'chromium', env: 'FIREDRILL_CHROMIUM', names: ['chromium'], pkg: 'chromium' }]
    : []),
];

async function find(item) {
  if (process.env[item.env]) return process.env[item.env];
  for (const name of item.names) {
    const path = await which(name, { nothrow: true });
    if (path) return path;
  }
  return null;
}

async function missingPackages() {
  const missing = [];
  for (const item of needed) if (!(await find(item))) missing.push(item);
  return missing;
}

let missing = await missingPackages();
if (missing.length > 0) {
  const packages = [...new Set(missing.map((m) => m.pkg))];
  const isRoot = process.getuid?.() === 0;
  const aptGet = await which('apt-get', { nothrow: true });
  if (aptGet && isRoot) {
    console.log(`setup: installing ${packages.join(' ')} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await $({ env, stdio: 'inherit' })`apt-get update -qq`;
    await $({ env, stdio: 'inherit' })`apt-get install -y -qq --no-install-recommends ${packages}`;
    missing = await missingPackages();
  }
  if (missing.length > 0) {
    console.error(
      [
        `setup: missing ${missing.map((m) => m.what).join(', ')}.`,
        `  Install the Debian/Ubuntu packages: sudo apt-get install ${packages.join(' ')}`,
        `  or point ${missing.map((m) => m.env).join(', ')} at the binaries,`,
        '  or run the stack with `docker compose up` and pass --prometheus/--alertmanager/--target to firedrill run.',
      ].join('\n'),
    );
    process.exit(3);
  }
}
for (const item of needed) console.log(`setup: ${item.what.padEnd(13)} ${await find(item)}`);
