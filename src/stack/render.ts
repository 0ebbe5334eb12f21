/**
 * Pure config rendering: `${NAME}` placeholders in the fixture templates are replaced by values.
 * A placeholder without a value is an error (a half-rendered config must never reach a server).
 */
export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  source: string,
): string {
  const missing = new Set<string>();
  const out = template.replace(/\$\{([A-Z0-9_]+)\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) {
      missing.add(key);
      return '';
    }
    return value;
  });
  if (missing.size > 0) {
    throw new Error(
      `${source}: no value for placeholder${missing.size > 1 ? 's' : ''} ${[...missing].join(', ')}`,
    );
  }
  return out;
}
