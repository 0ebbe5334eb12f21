/**
 * The crashing "firedrill" of chaos-crash.test.ts: injects one fault with the real local injectors against
 * the stack the test started, journals its recovery record write-ahead (appendFileSync, like the journal),
 * reports landed() on stdout and then waits to be SIGKILLed (it exits by itself after 60 s at most).
 */
import { appendFileSync } from 'node:fs';
import { injectLocal } from '../../chaos/local/index.ts';
import { faultSchema } from '../../src/scenario/faults.ts';
import type { Fault } from '../../src/scenario/schema.ts';
import type { StackEndpoints } from '../../src/stack/index.ts';
import { targetsFor } from './chaos-helpers.ts';

const stack = JSON.parse(process.env.FD_STACK ?? '{}') as StackEndpoints;
const fault = faultSchema.parse({
  id: 'crash',
  at: '0s',
  duration: '1m',
  ...JSON.parse(process.env.FD_FAULT ?? '{}'),
}) as Fault;
const journal = process.env.FD_RECORDS ?? '';
setTimeout(() => process.exit(3), 60_000);

const handle = await injectLocal(fault, targetsFor(stack), {
  runId: 'crash',
  ttlMs: Number(process.env.FD_TTL_MS ?? 60_000),
  recordRecovery: (record) => appendFileSync(journal, `${JSON.stringify(record)}\n`),
  signal: new AbortController().signal,
  now: Date.now,
});
const landed = await handle.landed();
process.stdout.write(`landed ${JSON.stringify(landed)}\n`);
