/** What the capacity costs: the price of the serving hardware and how many replicas serve it. */
export interface Pricing {
  /** USD per hour per replica. */
  pricePerHour: number;
  replicas: number;
}

export interface Cost {
  /** USD per 1,000 inferences at the SLO capacity. */
  per1kInferences: number;
  /** USD per 1M output tokens at the SLO capacity (OpenAI protocols, when tokens were measured). */
  per1MOutputTokens: number | null;
}

/**
 * Cost at a sustained SLO capacity (req/s, of the whole measured deployment) and, for generative
 * endpoints, the output tokens per second measured there. Null when nothing passed (no capacity). Pure.
 */
export function costAt(
  capacity: number | null,
  pricing: Pricing,
  outputTokensPerSecond?: number,
): Cost | null {
  if (capacity === null || !(capacity > 0)) return null;
  const perSecond = (pricing.pricePerHour * pricing.replicas) / 3600;
  return {
    per1kInferences: (perSecond / capacity) * 1000,
    per1MOutputTokens:
      outputTokensPerSecond !== undefined && outputTokensPerSecond > 0
        ? (perSecond / outputTokensPerSecond) * 1_000_000
        : null,
  };
}
