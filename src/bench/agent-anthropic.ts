import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, Tool, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { type AgentOptions, type AgentTurn, addUsage, type BenchAgent, emptyTurn } from './agent.js';
import { runTool, TOOL_SPECS } from './tools.js';
import type { SeedMessage } from './workspace.js';

const TOOLS: Tool[] = TOOL_SPECS.map((t) => ({
  name: t.name,
  description: t.description,
  input_schema: t.parameters as unknown as Tool['input_schema'],
}));

const MAX_TOKENS = 4096;

/** The built-in agent over Anthropic Messages: the same tool loop as the OpenAI one. */
export class AnthropicAgent implements BenchAgent {
  private readonly client: Anthropic;
  messages: MessageParam[] = [];

  constructor(private readonly o: AgentOptions) {
    this.client = new Anthropic({
      baseURL: o.baseUrl,
      apiKey: o.apiKey,
      maxRetries: 2,
      defaultHeaders: { 'x-session-id': o.sessionId },
    });
  }

  seed(history: SeedMessage[]): void {
    for (const m of history) this.push(m.role, m.content);
  }

  snapshot(): unknown {
    return this.messages;
  }

  restore(state: unknown): void {
    this.messages = state as MessageParam[];
  }

  /** Messages must alternate; consecutive same-role texts are joined into one message. */
  private push(role: 'user' | 'assistant', text: string): void {
    const last = this.messages.at(-1);
    if (last?.role !== role) this.messages.push({ role, content: text });
    else if (typeof last.content === 'string') last.content = `${last.content}\n\n${text}`;
    // After a tool loop cut at maxSteps the last message holds tool results: add the text to it.
    else last.content = [...last.content, { type: 'text', text }];
  }

  async send(text: string): Promise<AgentTurn> {
    this.push('user', text);
    const turn = emptyTurn();
    for (let step = 0; step < (this.o.maxSteps ?? 20); step++) {
      this.o.beforeCall?.();
      const t0 = performance.now();
      const res = await this.client.messages.create({
        model: this.o.model,
        max_tokens: MAX_TOKENS,
        system: this.o.system,
        messages: this.messages,
        tools: TOOLS,
      });
      addUsage(turn, res.usage.input_tokens, res.usage.output_tokens, performance.now() - t0);
      this.messages.push({ role: 'assistant', content: res.content });
      const answer = res.content
        .filter((b) => b.type === 'text')
        .map((b) => b.text)
        .join('\n');
      const uses = res.content.filter((b) => b.type === 'tool_use');
      if (uses.length === 0) return { ...turn, answer };
      const results: ToolResultBlockParam[] = [];
      for (const u of uses) {
        const input = (typeof u.input === 'object' && u.input !== null ? u.input : {}) as Record<
          string,
          unknown
        >;
        results.push({
          type: 'tool_result',
          tool_use_id: u.id,
          content: await runTool(this.o.workspace, u.name, input),
        });
      }
      this.messages.push({ role: 'user', content: results });
    }
    return turn;
  }
}
