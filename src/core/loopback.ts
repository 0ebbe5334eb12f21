import { FiredrillError } from './errors.ts';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const parts = host.split('.');
  return (
    parts.length === 4 && parts[0] === '127' && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)
  );
}

/**
 * Safety gate for load and faults: a URL must point at loopback unless its host is explicitly allowed
 * (`--allow-host`). Throws FD_TARGET_NOT_ALLOWED naming the URL and where it came from.
 */
export function assertTargetAllowed(url: string, where: string, allowHosts: readonly string[] = []): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FiredrillError('FD_USAGE', `${where}: "${url}" is not a URL`, {
      hint: 'write it like http://127.0.0.1:8080',
    });
  }
  if (!isLoopbackHost(parsed.hostname) && !allowHosts.includes(parsed.hostname)) {
    throw new FiredrillError(
      'FD_TARGET_NOT_ALLOWED',
      `${where}: host "${parsed.hostname}" is not a loopback address and is not allowed`,
      { hint: `load and faults go to loopback only; pass --allow-host ${parsed.hostname} if you own it` },
    );
  }
  return parsed;
}
