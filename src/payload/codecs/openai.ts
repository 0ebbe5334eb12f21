import { renderPrompt } from '../prompts.ts';
import type { Codec, CodecOptions } from './types.ts';

/**
 * OpenAI-compatible generation: one prompt per request, rendered from the first row (see prompts.ts), with
 * the request's seed so the server's generation is repeatable too. Batches above 1 are refused when the
 * payload is prepared (one prompt per request). With `options.stream` the body asks for server-sent events
 * with a final usage chunk (`stream: true`, `stream_options: { include_usage: true }`) and the codec says
 * `stream: 'openai-sse'`, so the engines time TTFT, inter-token latency and TPOT from the stream.
 */
export function openAiChatCodec(options: CodecOptions): Codec {
  return {
    protocol: 'openai-chat',
    method: 'POST',
    path: '/v1/chat/completions',
    contentType: 'application/json',
    ...streamed(options),
    encode(rows, seq) {
      const content = renderPrompt(rows[0] ?? {}, options.seed, seq);
      return JSON.stringify({
        model: options.model,
        messages: [{ role: 'user', content }],
        max_completion_tokens: options.maxTokens,
        seed: seq,
        ...streamFields(options),
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
    ...streamed(options),
    encode(rows, seq) {
      return JSON.stringify({
        model: options.model,
        prompt: renderPrompt(rows[0] ?? {}, options.seed, seq),
        max_tokens: options.maxTokens,
        seed: seq,
        ...streamFields(options),
      });
    },
  };
}

function streamed(options: CodecOptions): { stream?: 'openai-sse' } {
  return options.stream === true ? { stream: 'openai-sse' } : {};
}

/** The body fields that ask for a stream whose last chunk carries `usage` (the output token count). */
function streamFields(options: CodecOptions): { stream?: true; stream_options?: { include_usage: true } } {
  return options.stream === true ? { stream: true, stream_options: { include_usage: true } } : {};
}
