/**
 * "Did you mean …?" for names a user typed (alert names, fault ids, phases, fields). Pure.
 */

/**
 * Optimal-string-alignment distance (Damerau–Levenshtein restricted to adjacent transpositions): the
 * number of insertions, deletions, substitutions and swaps of two neighbouring characters that turn `a`
 * into `b`. Compares UTF-16 code units, case-sensitively (callers lower-case first if they want).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows: i-2, i-1, i.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, before[j - 2]! + 1);
      }
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

/**
 * The candidates closest to `word` (case-insensitive edit distance), best first, at most `limit`; only those
 * within a third of the longer name's length (at least 1, at most 6 edits), so that a suggestion is a likely
 * typo rather than any name. A candidate equal to `word` apart from case is the only suggestion. Empty when
 * nothing is close.
 */
export function closestNames(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = word.toLowerCase();
  const scored: Array<{ name: string; distance: number }> = [];
  for (const name of new Set(candidates)) {
    const distance = editDistance(lower, name.toLowerCase());
    const cutoff = Math.min(6, Math.max(1, Math.floor(Math.max(word.length, name.length) / 3)));
    if (distance <= cutoff) scored.push({ name, distance });
  }
  scored.sort((x, y) => x.distance - y.distance || x.name.localeCompare(y.name));
  if (scored[0]?.distance === 0) return [scored[0].name];
  return scored.slice(0, limit).map((s) => s.name);
}

/** ` (did you mean "X"?)`, ` (did you mean "X" or "Y"?)`, or '' when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const names = closestNames(word, candidates).map((n) => `"${n}"`);
  if (names.length === 0) return '';
  const last = names.pop()!;
  return ` (did you mean ${names.length > 0 ? `${names.join(', ')} or ${last}` : last}?)`;
}
