/** Shared wire-level types. Bodies stay plain JSON objects so unknown fields pass through. */
export type JsonObject = Record<string, unknown>;

export type WireProtocol = 'openai-chat' | 'anthropic-messages' | 'openai-responses';

/** One server-sent event. `event` is absent for OpenAI-style streams. */
export interface SseEvent {
  event?: string;
  data: string;
}
