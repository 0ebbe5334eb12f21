/** Internal helpers for alert identity: an instance is its name plus its sorted labels. */

/** Labels without `alertname` (and `alertstate` and `__name__`, which raw ALERTS samples carry). */
export function alertLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) {
    if (key === 'alertname' || key === 'alertstate' || key === '__name__') continue;
    out[key] = labels[key] as string;
  }
  return out;
}

export function instanceKey(name: string, labels: Record<string, string>): string {
  return `${name}${formatLabels(labels)}`;
}

/** `{a="1",b="2"}` with keys sorted; `` for no labels. */
export function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((key) => `${key}=${JSON.stringify(labels[key])}`).join(',')}}`;
}

/** True when `labels` carries every one of `wanted`. */
export function labelsMatch(
  labels: Record<string, string>,
  wanted: Record<string, string> | undefined,
): boolean {
  if (!wanted) return true;
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}
