import type { LoadUnit } from './types.ts';

/** How views name a search's load (pure): a rate in req/s, or a number of concurrent virtual users. */

/** A load with its unit: `120.5/s`, `8 users` (`-` for none). */
export function formatLoad(value: number | null | undefined, unit: LoadUnit): string {
  if (value === null || value === undefined) return '-';
  if (unit === 'rate') return `${Number(value.toFixed(1))}/s`;
  return `${value} user${value === 1 ? '' : 's'}`;
}
