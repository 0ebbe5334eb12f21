import { kserveV1Codec } from './kserve-v1.ts';
import { kserveV2Codec } from './kserve-v2.ts';
import { mlflowCodec } from './mlflow.ts';
import { openAiChatCodec, openAiCompletionsCodec } from './openai.ts';
import { rawCodec } from './raw.ts';
import type { Codec, CodecOptions, Protocol } from './types.ts';

export type { Codec, CodecOptions, Protocol } from './types.ts';
export { kserveV1Codec, kserveV2Codec, mlflowCodec, openAiChatCodec, openAiCompletionsCodec, rawCodec };

/** The codec for `target.protocol`. */
export function createCodec(protocol: Protocol, options: CodecOptions): Codec {
  switch (protocol) {
    case 'kserve-v2':
      return kserveV2Codec(options);
    case 'kserve-v1':
      return kserveV1Codec(options);
    case 'mlflow':
      return mlflowCodec(options);
    case 'openai-chat':
      return openAiChatCodec(options);
    case 'openai-completions':
      return openAiCompletionsCodec(options);
    case 'raw':
      return rawCodec(options);
    default: {
      const never: never = protocol;
      throw new Error(`unknown protocol ${String(never)}`);
    }
  }
}
