import { describe, expect, it } from 'vitest';
import { createScope } from './scope.ts';

describe('createScope', () => {
  it('releases in reverse order of acquisition and returns the resource from add', async () => {
    const order: string[] = [];
    const scope = createScope();
    const a = scope.add('a', { id: 'A' }, (r) => {
      order.push(r.id);
    });
    scope.defer('b', async () => {
      order.push('B');
    });
    scope.add('c', 'C', (r) => {
      order.push(r);
    });
    expect(a).toEqual({ id: 'A' });
    expect(scope.held()).toEqual(['a', 'b', 'c']);
    expect(await scope.close()).toEqual([]);
    expect(order).toEqual(['C', 'B', 'A']);
    expect(scope.held()).toEqual([]);
  });

  it('keeps releasing after a failure and reports each failure by name', async () => {
    const order: string[] = [];
    const scope = createScope();
    scope.defer('stack', () => {
      order.push('stack');
    });
    scope.defer('receiver', () => {
      throw new Error('port gone');
    });
    scope.defer('client', () => {
      order.push('client');
    });
    expect(await scope.close()).toEqual([{ name: 'receiver', error: 'port gone' }]);
    expect(order).toEqual(['client', 'stack']);
  });

  it('releases once: a second close releases nothing more', async () => {
    let releases = 0;
    const scope = createScope();
    scope.defer('x', () => {
      releases += 1;
    });
    await Promise.all([scope.close(), scope.close()]);
    await scope.close();
    expect(releases).toBe(1);
  });

  it('releases at once what is acquired after close began', async () => {
    const scope = createScope();
    await scope.close();
    let released = false;
    scope.defer('late', () => {
      released = true;
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(released).toBe(true);
    expect(scope.held()).toEqual([]);
  });
});
