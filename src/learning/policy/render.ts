import { ProtocolError } from '../../protocol/errors.js';
import { isObject, objects, parseJsonObject, str } from '../../protocol/json.js';
import type { JsonObject } from '../../protocol/types.js';
import type { PolicyTokenizer } from './tokenizer.js';

export interface RenderedPrompt {
  /** The chat template's output, for inspection; the ids below are what the policy sees. */
  text: string;
  tokens: number[];
}

/**
 * An OpenAI Chat request → the prompt token ids the policy samples from, rendered by the model's own
 * chat template with the generation prompt (as `apply_chat_template(..., add_generation_prompt=True)`).
 * Anthropic and Responses requests arrive here already converted to Chat by the proxy pipeline.
 */
export function renderChatRequest(tok: PolicyTokenizer, body: JsonObject): RenderedPrompt {
  const messages = objects(body.messages).map((m, i) => templateMessage(m, i));
  const tools = templateTools(body.tools);
  const extra = isObject(body.chat_template_kwargs) ? body.chat_template_kwargs : undefined;
  let text: string;
  try {
    text = tok.renderChat({ messages, tools, addGenerationPrompt: true, extra });
  } catch (err) {
    // Templates reject what the model cannot represent (raise_exception), e.g. roles out of order.
    throw new ProtocolError(
      `the policy's chat template refused this conversation: ${(err as Error).message}`,
      {
        param: 'messages',
      },
    );
  }
  return { text, tokens: tok.encode(text) };
}

/** One message in the shape HF chat templates expect (tool arguments as objects, text content). */
function templateMessage(m: JsonObject, i: number): JsonObject {
  const role = m.role === 'developer' ? 'system' : str(m.role);
  if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') {
    throw new ProtocolError(`messages[${i}].role: "${String(m.role)}" cannot be rendered for the policy`, {
      param: `messages[${i}].role`,
    });
  }
  const out: JsonObject = { role, content: textContent(m.content, `messages[${i}].content`) };
  if (typeof m.name === 'string') out.name = m.name;
  if (role === 'tool' && typeof m.tool_call_id === 'string') out.tool_call_id = m.tool_call_id;
  if (role === 'assistant') {
    const reasoning = str(m.reasoning_content) ?? str(m.reasoning);
    if (reasoning !== undefined) out.reasoning_content = reasoning;
    const calls = objects(m.tool_calls);
    if (calls.length > 0) out.tool_calls = calls.map(templateToolCall);
  }
  return out;
}

/** Text parts are joined; anything else (images, audio, files) the text-only policy cannot see. */
function textContent(content: unknown, param: string): string | null {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  objects(content).forEach((p, j) => {
    if (p.type === 'text' || p.type === 'refusal') texts.push(str(p.text) ?? str(p.refusal) ?? '');
    else
      throw new ProtocolError(
        `${param}[${j}].type: "${String(p.type)}" parts cannot be sent to a text-only policy`,
        {
          param: `${param}[${j}].type`,
        },
      );
  });
  return texts.join('\n');
}

/**
 * HF templates expect `arguments` as a mapping (many apply `| tojson` unconditionally); a string that
 * is not a JSON object is passed through as written, so the model sees exactly what it produced.
 */
function templateToolCall(c: JsonObject): JsonObject {
  const fn = isObject(c.function) ? c.function : {};
  const rawArgs = fn.arguments;
  const args = typeof rawArgs === 'string' ? (parseJsonObject(rawArgs) ?? rawArgs) : (rawArgs ?? {});
  return { id: c.id, type: 'function', function: { name: fn.name, arguments: args } };
}

function templateTools(tools: unknown): JsonObject[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return objects(tools).map((t, i) => {
    if (t.type !== 'function' || !isObject(t.function)) {
      throw new ProtocolError(`tools[${i}].type: only function tools can be rendered for the policy`, {
        param: `tools[${i}].type`,
      });
    }
    return t;
  });
}
