import { reasoningText } from '../convert-response.js';
import { num, obj, objects, str } from '../json.js';
import type { JsonObject } from '../types.js';
import {
  baseId,
  itemIds,
  messageItem,
  type ResponseMeta,
  reasoningItem,
  responseEnvelope,
  responsesUsageFromChat,
  statusFromFinish,
} from './shape.js';
import { callItem, ToolIndex } from './tools.js';

/**
 * The `response.id`/`created_at`/`model` of a translated answer. `model` is the client's: it asked
 * for that name and the upstream may have been configured to serve another.
 */
export function metaFromChat(chat: JsonObject, req: JsonObject): ResponseMeta {
  return {
    id: itemIds.response(baseId(chat['id'])),
    createdAt: num(chat['created']) ?? Math.floor(Date.now() / 1000),
    model: str(req['model']) ?? str(chat['model']) ?? '',
  };
}

/**
 * A `chat.completion` (choice 0) as a Responses `response`: reasoning, then the assistant message,
 * then one call item per tool call (function_call, custom_tool_call or local_shell_call, whichever
 * tool of the request the Chat function stands for), the order the stream translator produces them
 * in. A refusal is folded into the text, as the Anthropic converters do.
 */
export function chatToResponsesResponse(chat: JsonObject, req: JsonObject): JsonObject {
  const choice = objects(chat['choices']).find((c) => (num(c['index']) ?? 0) === 0) ?? {};
  const message = obj(choice['message']);
  const base = baseId(chat['id']);
  const output: JsonObject[] = [];
  const reasoning = reasoningText(message);
  if (reasoning) output.push(reasoningItem(itemIds.reasoning(base), reasoning));
  const text = messageText(message['content']) + (str(message['refusal']) ?? '');
  const calls = objects(message['tool_calls']);
  const tools = new ToolIndex(req['tools']);
  // With nothing else to say, an empty message still tells the client the turn is over.
  if (text !== '' || calls.length === 0) output.push(messageItem(itemIds.message(base), text));
  calls.forEach((tc, i) => {
    const fn = obj(tc['function']);
    const callId = str(tc['id']) || itemIds.call(base, i);
    const ref = tools.ref(str(fn['name']) ?? '');
    output.push(callItem(ref, itemIds.call(base, i), callId, str(fn['arguments']) ?? ''));
  });
  const { status, incompleteReason } = statusFromFinish(choice['finish_reason']);
  return responseEnvelope(
    req,
    metaFromChat(chat, req),
    status,
    output,
    responsesUsageFromChat(chat['usage']),
    {
      incompleteReason,
    },
  );
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  return objects(content)
    .filter((p) => p['type'] === 'text')
    .map((p) => str(p['text']) ?? '')
    .join('');
}
