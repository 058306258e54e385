import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { runTool, TOOL_SPECS } from './tools.js';

/**
 * The built-in agent: a plain tool-using loop over OpenAI Chat Completions. It knows nothing of
 * the benchmark; whatever it learns reaches it through MetaClaw (skills in its system prompt).
 */
export interface AgentOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  workspace: string;
  system: string;
  /** Sent as `x-session-id` so MetaClaw records the day as one session. */
  sessionId?: string;
  maxSteps?: number;
  /** Called before every model call; throws to stop a run over its budget. */
  beforeCall?: () => void;
}

export interface AgentTurn {
  answer: string;
  tokens: number;
  calls: number;
  modelMs: number;
}

const TOOLS: ChatCompletionTool[] = TOOL_SPECS.map((t) => ({
  type: 'function',
  function: {
    name: t.name,
    description: t.description,
    parameters: t.parameters as unknown as Record<string, unknown>,
  },
}));

export class BuiltinAgent {
  private readonly client: OpenAI;
  readonly messages: ChatCompletionMessageParam[];

  constructor(private readonly o: AgentOptions) {
    this.client = new OpenAI({
      baseURL: o.baseUrl,
      apiKey: o.apiKey,
      maxRetries: 2,
      defaultHeaders: o.sessionId ? { 'x-session-id': o.sessionId } : {},
    });
    this.messages = [{ role: 'system', content: o.system }];
  }

  /** Adds prior conversation (the seed transcript) without calling the model. */
  seed(history: { role: 'user' | 'assistant'; content: string }[]): void {
    for (const m of history) this.messages.push({ role: m.role, content: m.content });
  }

  /** One user message → tool loop until the model answers without tool calls. */
  async send(text: string): Promise<AgentTurn> {
    this.messages.push({ role: 'user', content: text });
    let tokens = 0;
    let calls = 0;
    let modelMs = 0;
    for (let step = 0; step < (this.o.maxSteps ?? 20); step++) {
      this.o.beforeCall?.();
      const t0 = performance.now();
      const res = await this.client.chat.completions.create({
        model: this.o.model,
        messages: this.messages,
        tools: TOOLS,
      });
      modelMs += performance.now() - t0;
      calls++;
      tokens += res.usage?.total_tokens ?? 0;
      const msg = res.choices[0]?.message;
      if (!msg) break;
      const toolCalls = (msg.tool_calls ?? []).filter((c) => c.type === 'function');
      this.messages.push({
        role: 'assistant',
        content: msg.content ?? '',
        ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
      });
      if (toolCalls.length === 0) return { answer: msg.content ?? '', tokens, calls, modelMs };
      for (const c of toolCalls) {
        let args: Record<string, unknown> = {};
        try {
          args = JSON.parse(c.function.arguments || '{}') as Record<string, unknown>;
        } catch {
          args = {};
        }
        const out = await runTool(this.o.workspace, c.function.name, args);
        this.messages.push({ role: 'tool', tool_call_id: c.id, content: out });
      }
    }
    return { answer: '', tokens, calls, modelMs };
  }
}
