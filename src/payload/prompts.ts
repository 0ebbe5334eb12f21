import { randomIndex, rngFor, weightedIndex } from '../core/rng.ts';
import type { PayloadRow, Reference } from './reference.ts';
import { numericStats } from './reference.ts';

/**
 * Deterministic prompts for the OpenAI protocols. A prompt row has three features: `prompt_words` (numeric:
 * the prompt's length in words), `language` (en, de, fr, es) and `topic` (penguins, weather, travel); the
 * text is rendered from them with the request's seed, using words of that language and topic only, so a
 * prompt can be decoded back into its row (`describePrompt`). Drift transforms act on the row (mean-shift on
 * prompt_words, category-mix on language or topic) before it is rendered.
 */

export const PROMPT_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export const PROMPT_TOPICS = ['penguins', 'weather', 'travel'] as const;

const VOCABULARY: Record<string, Record<string, string[]>> = {
  en: {
    penguins: ['penguin', 'flipper', 'colony', 'krill', 'beak', 'feathers', 'waddle', 'chick'],
    weather: ['rain', 'cloudy', 'forecast', 'sunny', 'storm', 'wind', 'humid', 'chilly'],
    travel: ['flight', 'hotel', 'luggage', 'passport', 'journey', 'ticket', 'airport', 'tour'],
  },
  de: {
    penguins: ['pinguin', 'flosse', 'kolonie', 'schnabel', 'federn', 'watscheln', 'küken', 'eisscholle'],
    weather: ['regen', 'bewölkt', 'vorhersage', 'sonnig', 'sturm', 'gewitter', 'schwül', 'frostig'],
    travel: ['flug', 'gepäck', 'reisepass', 'reise', 'fahrkarte', 'flughafen', 'rundfahrt', 'unterkunft'],
  },
  fr: {
    penguins: ['manchot', 'nageoire', 'bec', 'plumes', 'poussin', 'banquise', 'dandiner', 'colonie_fr'],
    weather: ['pluie', 'nuageux', 'prévision', 'ensoleillé', 'orage', 'vent_fr', 'humide', 'froid'],
    travel: ['vol', 'bagages', 'passeport', 'voyage', 'billet', 'aéroport', 'hôtel_fr', 'excursion'],
  },
  es: {
    penguins: ['pingüino', 'aleta', 'colonia', 'pico', 'plumas', 'polluelo', 'kril', 'hielo'],
    weather: ['lluvia', 'nublado', 'pronóstico', 'soleado', 'tormenta', 'viento', 'húmedo', 'frío'],
    travel: ['vuelo', 'equipaje', 'pasaporte', 'viaje', 'boleto', 'aeropuerto', 'gira', 'hostal'],
  },
};

const WORD_INDEX = new Map<string, { language: string; topic: string }>();
for (const [language, topics] of Object.entries(VOCABULARY)) {
  for (const [topic, words] of Object.entries(topics))
    for (const w of words) WORD_INDEX.set(w, { language, topic });
}

/** Renders a prompt row: `prompt_words` words (at least 1, rounded) of its language and topic. */
export function renderPrompt(row: PayloadRow, seed: number, seq: number): string {
  const language = typeof row.language === 'string' && VOCABULARY[row.language] ? row.language : 'en';
  const topic = typeof row.topic === 'string' && VOCABULARY[language]?.[row.topic] ? row.topic : 'penguins';
  const length =
    typeof row.prompt_words === 'number' && Number.isFinite(row.prompt_words)
      ? Math.max(1, Math.round(row.prompt_words))
      : 1;
  const words = VOCABULARY[language]![topic]!;
  const rng = rngFor(seed, seq, 0x70726f6d);
  return Array.from({ length }, () => words[randomIndex(rng, words.length)]!).join(' ');
}

/** The features of a rendered prompt (for tests and for decoding captured traffic). */
export function describePrompt(text: string): {
  prompt_words: number;
  language: string | null;
  topic: string | null;
} {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const first = words.map((w) => WORD_INDEX.get(w)).find((x) => x !== undefined);
  return { prompt_words: words.length, language: first?.language ?? null, topic: first?.topic ?? null };
}

/**
 * The built-in prompt reference: 1000 rows, prompt_words ~ round(N(24, 8)) floored at 3, language en 70% /
 * de, fr, es 10% each, topic penguins 50% / weather 30% / travel 20%. Generated from a fixed seed.
 */
export function promptReference(): Reference {
  const rng = rngFor(20_240_601);
  const rows: PayloadRow[] = [];
  for (let i = 0; i < 1000; i++) {
    const u1 = 1 - rng();
    const u2 = rng();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    rows.push({
      id: i + 1,
      prompt_words: Math.max(3, Math.round(24 + 8 * z)),
      language: PROMPT_LANGUAGES[weightedIndex(rng, [0.7, 0.1, 0.1, 0.1])]!,
      topic: PROMPT_TOPICS[weightedIndex(rng, [0.5, 0.3, 0.2])]!,
    });
  }
  return {
    file: '<built-in prompts>',
    columns: [
      { name: 'id', type: 'id', nullable: false },
      { name: 'prompt_words', type: 'numeric', nullable: false },
      { name: 'language', type: 'categorical', nullable: false },
      { name: 'topic', type: 'categorical', nullable: false },
    ],
    rows,
    lines: rows.map((_, i) => i + 1),
    idColumn: 'id',
    labelColumn: undefined,
    stats: { prompt_words: numericStats(rows.map((r) => r.prompt_words as number)) },
    categories: { language: [...PROMPT_LANGUAGES].sort(), topic: [...PROMPT_TOPICS].sort() },
  };
}
