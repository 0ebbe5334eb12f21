/**
 * For configurators.test.ts: applies a Triton configuration through applyConfiguration with a journal in
 * FD_DIR/events.ndjson, prints `applied`, then waits to be SIGKILLed (it exits by itself after 60 s).
 */
import { join } from 'node:path';
import { tritonConfigurator } from '../../src/configure/index.ts';
import { FileJournal } from '../../src/journal/index.ts';
import { applyConfiguration } from '../../src/run/index.ts';

setTimeout(() => process.exit(3), 60_000);
const spec = { kind: 'triton' as const, url: process.env.FD_TRITON ?? '', model: 'resnet' };
const journal = new FileJournal(join(process.env.FD_DIR ?? '', 'events.ndjson'));
await applyConfiguration(tritonConfigurator(spec), { maxBatchSize: 16, maxQueueDelayMs: 2 }, journal, {
  id: 'config-1',
  spec,
  confirmTimeoutMs: 10_000,
});
process.stdout.write('applied\n');
