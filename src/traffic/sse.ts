import {
  addEncoded,
  createHistogram,
  encodeHistogram,
  type Histogram,
  recordMicros,
  summarizeHistogram,
} from './histogram.ts';
import type { StreamingSummary, StreamingWindowStats } from './types.ts';

/**
 * Server-sent events, incrementally: bytes may be split anywhere (inside a UTF-8 sequence, inside CRLF,
 * inside a field name). Lines end in LF, CRLF or CR; `:` lines are comments; an event is dispatched at a
 * blank line with its `data:` lines joined by LF (one leading space after the colon stripped). Only
 * `data` matters for OpenAI streams; other fields are ignored.
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private data: string[] = [];
  /** The previous chunk ended in CR: a leading LF of the next one belongs to it. */
  private pendingCr = false;

  constructor(private readonly onData: (data: string) => void) {}

  push(chunk: Uint8Array): void {
    this.feed(this.decoder.decode(chunk, { stream: true }));
  }

  /** End of stream: a final event without its blank line is dispatched (lenient, as browsers are not). */
  end(): void {
    this.feed(this.decoder.decode());
    if (this.buffer !== '') this.line(this.buffer);
    this.buffer = '';
    this.dispatch();
  }

  private feed(text: string): void {
    let start = 0;
    if (this.pendingCr && text.charCodeAt(0) === 10) start = 1;
    this.pendingCr = false;
    let buffer = this.buffer + text.slice(start);
    let from = 0;
    for (let i = 0; i < buffer.length; i++) {
      const code = buffer.charCodeAt(i);
      if (code !== 10 && code !== 13) continue;
      this.line(buffer.slice(from, i));
      if (code === 13) {
        if (i + 1 === buffer.length) this.pendingCr = true;
        else if (buffer.charCodeAt(i + 1) === 10) i += 1;
      }
      from = i + 1;
    }
    buffer = buffer.slice(from);
    this.buffer = buffer;
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment (keep-alive ping)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    this.data.push(value);
  }

  private dispatch(): void {
    if (this.data.length === 0) return;
    const data = this.data.join('\n');
    this.data = [];
    this.onData(data);
  }
}

/**
 * One OpenAI-compatible streamed response (chat `choices[].delta.content` or completions `choices[].text`).
 * Times are performance.now() ms of the chunk's arrival. TTFT is taken at the first chunk with non-empty
 * `choices` (a usage chunk with `choices: []` or `null` never counts); inter-token gaps between successive
 * chunks with non-empty content. Never throws on bad input: `error` says what was wrong.
 */
export class OpenAiStreamTracker {
  firstChunkAt: number | undefined;
  lastContentAt: number | undefined;
  /** Gaps between successive content chunks, ms. */
  readonly gapsMs: number[] = [];
  contentChunks = 0;
  usageTokens: number | undefined;
  done = false;
  error: string | undefined;
  private at = 0;
  private readonly parser = new SseParser((data) => this.event(data));

  push(chunk: Uint8Array, at: number): void {
    this.at = at;
    this.parser.push(chunk);
  }

  end(at: number): void {
    this.at = at;
    this.parser.end();
    if (this.error === undefined && !this.done) this.error = 'stream ended without data: [DONE]';
    if (this.error === undefined && this.firstChunkAt === undefined) this.error = 'stream had no choices';
  }

  /** Output tokens: usage.completion_tokens when the server sent it, else the content chunks. */
  get outputTokens(): number {
    return this.usageTokens ?? this.contentChunks;
  }

  private event(data: string): void {
    if (this.done) return;
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      this.error ??= `malformed chunk ${data.length > 40 ? `${data.slice(0, 37)}…` : data}`;
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) {
      this.error ??= 'a chunk is not a JSON object';
      return;
    }
    const record = chunk as { choices?: unknown; usage?: unknown; error?: unknown };
    if (record.error !== undefined && record.error !== null) {
      this.error ??= 'the stream carried an error object';
      return;
    }
    const usage = record.usage as { completion_tokens?: unknown } | null | undefined;
    if (typeof usage?.completion_tokens === 'number') this.usageTokens = usage.completion_tokens;
    const choices = record.choices;
    if (!Array.isArray(choices) || choices.length === 0) return;
    this.firstChunkAt ??= this.at;
    const choice = choices[0] as { delta?: { content?: unknown }; text?: unknown } | null;
    const content = choice?.delta?.content ?? choice?.text;
    if (typeof content !== 'string' || content === '') return;
    if (this.lastContentAt !== undefined) this.gapsMs.push(this.at - this.lastContentAt);
    this.lastContentAt = this.at;
    this.contentChunks += 1;
  }
}

/** Streaming statistics of a set of requests (a window, or a whole run). Destroy when done. */
export class StreamStats {
  readonly ttft: Histogram = createHistogram();
  readonly itl: Histogram = createHistogram();
  readonly tpot: Histogram = createHistogram();
  outputTokens = 0;
  streams = 0;

  /** Records a finished ok stream; `intended` and `endAt` in the tracker's clock (ms). */
  record(tracker: OpenAiStreamTracker, intended: number, endAt: number): void {
    this.streams += 1;
    const tokens = tracker.outputTokens;
    this.outputTokens += tokens;
    if (tracker.firstChunkAt === undefined) return;
    const ttftMs = tracker.firstChunkAt - intended;
    recordMicros(this.ttft, ttftMs * 1000);
    for (const gap of tracker.gapsMs) recordMicros(this.itl, gap * 1000);
    if (tokens > 1) recordMicros(this.tpot, ((endAt - intended - ttftMs) / (tokens - 1)) * 1000);
  }

  add(other: StreamStats): void {
    this.ttft.add(other.ttft);
    this.itl.add(other.itl);
    this.tpot.add(other.tpot);
    this.outputTokens += other.outputTokens;
    this.streams += other.streams;
  }

  /** Adds a window's encoded figures (exact: its histograms are decoded and merged). */
  addWindow(window: StreamingWindowStats): void {
    addEncoded(this.ttft, window.ttftHistogram);
    addEncoded(this.itl, window.itlHistogram);
    addEncoded(this.tpot, window.tpotHistogram);
    this.outputTokens += window.outputTokens;
    this.streams += window.streams;
  }

  toWindow(): StreamingWindowStats {
    return {
      ttftHistogram: encodeHistogram(this.ttft),
      itlHistogram: encodeHistogram(this.itl),
      tpotHistogram: encodeHistogram(this.tpot),
      outputTokens: this.outputTokens,
      streams: this.streams,
    };
  }

  toSummary(spanSeconds: number): StreamingSummary {
    return {
      ttftMs: summarizeHistogram(this.ttft),
      itlMs: summarizeHistogram(this.itl),
      tpotMs: summarizeHistogram(this.tpot),
      outputTokens: this.outputTokens,
      outputTokensPerSecond: spanSeconds > 0 ? this.outputTokens / spanSeconds : 0,
      streams: this.streams,
    };
  }

  destroy(): void {
    this.ttft.destroy();
    this.itl.destroy();
    this.tpot.destroy();
  }
}
