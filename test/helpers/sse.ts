/** One server-sent event as an EventSource would see it. */
export interface SseFrame {
  event: string;
  id: string | null;
  data: unknown;
}

/** Parses complete SSE frames (comments and pings dropped); returns them and the unparsed rest. */
export function parseSseFrames(text: string): { frames: SseFrame[]; rest: string } {
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  const frames = blocks
    .map((block) => block.split('\n').filter((line) => line && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const field = (name: string) =>
        lines
          .filter((line) => line.startsWith(`${name}:`))
          .map((line) => line.slice(name.length + 1).trim())
          .join('\n');
      const data = field('data');
      return { event: field('event') || 'message', id: field('id') || null, data: data ? JSON.parse(data) : null };
    });
  return { frames, rest };
}

/**
 * Reads an SSE response frame by frame. `next()` resolves with the next frame (null once the stream
 * ended); `close()` hangs up like a client that goes away.
 */
export function sseReader(response: Response, controller: AbortController) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const queue: SseFrame[] = [];
  let buffer = '';
  let ended = false;
  return {
    async next(): Promise<SseFrame | null> {
      while (queue.length === 0 && !ended) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) {
          ended = true;
          break;
        }
        const parsed = parseSseFrames(buffer + decoder.decode(value, { stream: true }));
        buffer = parsed.rest;
        queue.push(...parsed.frames);
      }
      return queue.shift() ?? null;
    },
    async close() {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}
