import { formatError } from './errors.ts';

/** A release that failed while its scope closed: which resource, and the error's message. */
export interface ReleaseFailure {
  name: string;
  error: string;
}

/**
 * A disposal scope: every resource is registered the moment it is acquired, and `close()` releases them
 * all in reverse order of registration (last acquired, first released), on every path. A failing release
 * does not stop the others; failures are returned, never thrown. `close()` is idempotent: a second call
 * releases nothing and returns the first call's failures.
 */
export interface DisposalScope {
  /** Registers `release` for a resource just acquired; returns the resource, so `scope.add(await x(), ...)`. */
  add<T>(name: string, resource: T, release: (resource: T) => Promise<void> | void): T;
  /** Registers a release with no resource value (a listener to remove, a timer to clear). */
  defer(name: string, release: () => Promise<void> | void): void;
  /** Names of the resources still held, in acquisition order. */
  held(): string[];
  close(): Promise<ReleaseFailure[]>;
}

export function createScope(): DisposalScope {
  const releases: Array<{ name: string; release: () => Promise<void> | void }> = [];
  let closing: Promise<ReleaseFailure[]> | undefined;
  const defer = (name: string, release: () => Promise<void> | void): void => {
    if (closing) {
      // Acquired while the scope closes (a start that finished late): released at once, not leaked.
      void Promise.resolve()
        .then(release)
        .catch(() => {});
      return;
    }
    releases.push({ name, release });
  };
  return {
    add(name, resource, release) {
      defer(name, () => release(resource));
      return resource;
    },
    defer,
    held: () => releases.map((r) => r.name),
    close() {
      closing ??= (async () => {
        const failures: ReleaseFailure[] = [];
        while (releases.length > 0) {
          const { name, release } = releases.pop()!;
          try {
            await release();
          } catch (error) {
            failures.push({ name, error: formatError(error) });
          }
        }
        return failures;
      })();
      return closing;
    },
  };
}
