import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { BenchDay, BenchSet } from './dataset.js';
import { runTool, TOOL_SPECS } from './tools.js';
import type { SeedMessage } from './workspace.js';

/**
 * The agent a bench day talks to. The runner only needs these calls; `snapshot`/`restore` let a
 * killed run resume after its last completed round (an agent without them redoes the day).
 */
export interface BenchAgent {
  /** Adds prior conversation (the seed transcript) without calling the model. */
  seed(history: SeedMessage[]): void;
  /** One user message → the agent's final answer for it. */
  send(text: string): Promise<AgentTurn>;
  snapshot?(): unknown;
  restore?(state: unknown): void;
  /** Called once at the day's end (after the standalone feedback). */
  close?(): Promise<void>;
}

export interface AgentOptions {
  /** OpenAI-compatible base URL (…/v1) or, for `protocol: 'anthropic'`, the Anthropic base URL. */
  baseUrl: string;
  apiKey: string;
  model: string;
  workspace: string;
  system: string;
  /** Sent as `x-session-id` so MetaClaw records the day as one session. */
  sessionId: string;
  maxSteps?: number;
  /** Called before every model call; throws to stop a run over its budget. */
  beforeCall?: () => void;
}

/** What an agent factory gets for one day: the built-in agent's options plus the day itself. */
export interface AgentContext extends AgentOptions {
  set: BenchSet;
  day: BenchDay;
  /** The condition's name (baseline, skills, full). */
  condition: string;
}

export type AgentFactory = (ctx: AgentContext) => BenchAgent | Promise<BenchAgent>;

export interface AgentTurn {
  answer: string;
  /** input + output tokens of this turn's model calls. */
  tokens: number;
  /** The split of `tokens`, when the agent knows it. */
  inputTokens?: number;
  outputTokens?: number;
  calls: number;
  modelMs: number;
}

export const emptyTurn = (): AgentTurn => ({
  answer: '',
  tokens: 0,
  inputTokens: 0,
  outputTokens: 0,
  calls: 0,
  modelMs: 0,
});

/** Adds one model call's usage and time to a turn. */
export function addUsage(t: AgentTurn, input: number, output: number, ms: number): void {
  t.inputTokens = (t.inputTokens ?? 0) + input;
  t.outputTokens = (t.outputTokens ?? 0) + output;
  t.tokens += input + output;
  t.calls++;
  t.modelMs += ms;
}

export function parseArgs(raw: string | undefined): Record<string, unknown> {
  try {
    const v = JSON.parse(raw || '{}') as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const TOOLS: ChatCompletionTool[] = TOOL_SPECS.map((t) => ({
  type: 'function',
  function: {
    name: t.name,
    description: t.description,
    parameters: t.parameters as unknown as Record<string, unknown>,
  },
}));

/**
 * The built-in agent over OpenAI Chat Completions: a plain tool loop. It knows nothing of the
 * benchmark; whatever it learns reaches it through MetaClaw (skills in its system prompt).
 */
export class BuiltinAgent implements BenchAgent {
  private readonly client: OpenAI;
  messages: ChatCompletionMessageParam[];

  constructor(private readonly o: AgentOptions) {
    this.client = new OpenAI({
      baseURL: o.baseUrl,
      apiKey: o.apiKey,
      maxRetries: 2,
      defaultHeaders: { 'x-session-id': o.sessionId },
    });
    this.messages = [{ role: 'system', content: o.system }];
  }

  seed(history: SeedMessage[]): void {
    for (const m of history) this.messages.push({ role: m.role, content: m.content });
  }

  snapshot(): unknown {
    return this.messages;
  }

  restore(state: unknown): void {
    this.messages = state as ChatCompletionMessageParam[];
  }

  async send(text: string): Promise<AgentTurn> {
    this.messages.push({ role: 'user', content: text });
    const turn = emptyTurn();
    for (let step = 0; step < (this.o.maxSteps ?? 20); step++) {
      this.o.beforeCall?.();
      const t0 = performance.now();
      const res = await this.client.chat.completions.create({
        model: this.o.model,
        messages: this.messages,
        tools: TOOLS,
      });
      addUsage(
        turn,
        res.usage?.prompt_tokens ?? 0,
        res.usage?.completion_tokens ?? 0,
        performance.now() - t0,
      );
      const msg = res.choices[0]?.message;
      if (!msg) break;
      const toolCalls = (msg.tool_calls ?? []).filter((c) => c.type === 'function');
      this.messages.push({
        role: 'assistant',
        content: msg.content ?? '',
        ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
      });
      if (toolCalls.length === 0) return { ...turn, answer: msg.content ?? '' };
      for (const c of toolCalls) {
        const out = await runTool(this.o.workspace, c.function.name, parseArgs(c.function.arguments));
        this.messages.push({ role: 'tool', tool_call_id: c.id, content: out });
      }
    }
    return turn;
  }
}
