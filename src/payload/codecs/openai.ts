import { renderPrompt } from '../prompts.ts';
import type { Codec, CodecOptions } from './types.ts';

/**
 * OpenAI-compatible generation: one prompt per request, rendered from the first row (see prompts.ts), with
 * the request's seed so the server's generation is repeatable too. Batches above 1 are refused when the
 * payload is prepared (one prompt per request).
 */
export function openAiChatCodec(options: CodecOptions): Codec {
  return {
    protocol: 'openai-chat',
    method: 'POST',
    path: '/v1/chat/completions',
    contentType: 'application/json',
    encode(rows, seq) {
      const content = renderPrompt(rows[0] ?? {}, options.seed, seq);
      return JSON.stringify({
        model: options.model,
        messages: [{ role: 'user', content }],
        max_completion_tokens: options.maxTokens,
        seed: seq,
      });
    },
  };
}

export function openAiCompletionsCodec(options: CodecOptions): Codec {
  return {
    protocol: 'openai-completions',
    method: 'POST',
    path: '/v1/completions',
    contentType: 'application/json',
    encode(rows, seq) {
      return JSON.stringify({
        model: options.model,
        prompt: renderPrompt(rows[0] ?? {}, options.seed, seq),
        max_tokens: options.maxTokens,
        seed: seq,
      });
    },
  };
}
