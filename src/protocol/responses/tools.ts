import { createHash } from 'node:crypto';
import { arr, isObject, obj, parseJsonObject, str } from '../json.js';
import type { JsonObject } from '../types.js';

/*
 * Responses tools that a Chat Completions upstream can run, and the way back.
 *
 * Chat knows one kind of tool, a flat function named `^[a-zA-Z0-9_-]{1,64}$`. Responses clients
 * (Codex) also send:
 * - `namespace` tools grouping functions (and custom tools): each inner tool becomes a Chat function
 *   named `<namespace>__<name>`; a call to it comes back as a `function_call` (`custom_tool_call`)
 *   with the inner `name` and the `namespace` field.
 * - `custom` (freeform) tools: a Chat function taking one string, `input`, whose description carries
 *   the tool's grammar; calls come back as `custom_tool_call` items holding that string.
 * - `local_shell`: a Chat function `local_shell` taking the exec action's fields; calls come back as
 *   `local_shell_call` items.
 * Hosted tools (web_search, file_search, code_interpreter, mcp …) run inside OpenAI's service and are
 * left out of the Chat request. Names outside Chat's charset or over 64 characters are made valid by
 * `chatToolName`; the same rule renames the calls found in `input`, so tool loops round-trip.
 */

export type ToolRef =
  | { kind: 'function' | 'custom'; name: string; namespace?: string }
  | { kind: 'local_shell' };

/** Tool types that only run inside OpenAI's service; a Chat upstream cannot offer them. */
export const HOSTED_TOOL_TYPES = new Set([
  'web_search',
  'web_search_preview',
  'file_search',
  'code_interpreter',
  'image_generation',
  'computer_use_preview',
  'computer_use',
  'mcp',
  'tool_search',
]);

/** Hosted, including dated variants such as `web_search_preview_2025_03_11`. */
export function isHostedTool(type: string): boolean {
  return HOSTED_TOOL_TYPES.has(type) || /^(web_search|computer_use)[a-z_]*_\d{4}_\d{2}_\d{2}$/.test(type);
}

const CHAT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const NAMESPACE_SEPARATOR = '__';
export const LOCAL_SHELL = 'local_shell';

/**
 * The Chat function name of a Responses tool: `<namespace>__<name>` inside a namespace, else the
 * name. A result outside `[a-zA-Z0-9_-]{1,64}` has other characters replaced by `_` and, when longer
 * than 64, is cut to 55 characters plus `_` and 8 hex digits of the original's SHA-1, so distinct
 * long names stay distinct.
 */
export function chatToolName(name: string, namespace?: string): string {
  const raw = namespace ? `${namespace}${NAMESPACE_SEPARATOR}${name}` : name;
  if (CHAT_NAME.test(raw)) return raw;
  const safe = raw.replace(/[^a-zA-Z0-9_-]/g, '_') || '_';
  if (safe.length <= 64) return safe;
  return `${safe.slice(0, 55)}_${createHash('sha1').update(raw).digest('hex').slice(0, 8)}`;
}

/** Which Responses tool each Chat function name of a translated request stands for. */
export class ToolIndex {
  private readonly refs = new Map<string, ToolRef>();

  constructor(tools: unknown) {
    for (const t of arr(tools).filter(isObject)) {
      const type = t['type'];
      if (type === 'function' || type === 'custom') this.add(type, t);
      else if (type === 'local_shell') this.refs.set(LOCAL_SHELL, { kind: 'local_shell' });
      else if (type === 'namespace') {
        const ns = str(t['name']) ?? '';
        for (const inner of arr(t['tools']).filter(isObject)) {
          if (inner['type'] === 'function' || inner['type'] === 'custom') this.add(inner['type'], inner, ns);
        }
      }
    }
  }

  private add(kind: 'function' | 'custom', t: JsonObject, namespace?: string): void {
    const name = str(t['name']) ?? '';
    const key = chatToolName(name, namespace);
    // The first of two tools that flatten to one name wins, as it does in the Chat request.
    if (this.refs.has(key)) return;
    this.refs.set(key, namespace ? { kind, name, namespace } : { kind, name });
  }

  /** A name the request did not offer is taken as a plain function of that name. */
  ref(chatName: string): ToolRef {
    return this.refs.get(chatName) ?? { kind: 'function', name: chatName };
  }
}

/** The request's tools as Chat functions; `dropped` lists the types left out (hosted tools). */
export function toolsToChat(tools: unknown): { tools: JsonObject[]; dropped: string[] } {
  const out: JsonObject[] = [];
  const dropped: string[] = [];
  const seen = new Set<string>();
  const push = (fn: JsonObject) => {
    const name = fn['name'] as string;
    if (seen.has(name)) return;
    seen.add(name);
    out.push({ type: 'function', function: fn });
  };
  for (const t of arr(tools).filter(isObject)) {
    const type = str(t['type']) ?? '';
    if (type === 'function') push(functionToChat(t));
    else if (type === 'custom') push(customToChat(t));
    else if (type === 'local_shell') push(localShellFunction());
    else if (type === 'namespace') {
      const ns = str(t['name']) ?? '';
      for (const inner of arr(t['tools']).filter(isObject)) {
        if (inner['type'] === 'function') push(functionToChat(inner, ns, t['description']));
        else if (inner['type'] === 'custom') push(customToChat(inner, ns, t['description']));
        else dropped.push(`namespace.${String(inner['type'])}`);
      }
    } else dropped.push(type || String(t['type']));
  }
  return { tools: out, dropped };
}

function describe(own: unknown, namespaceDescription: unknown): string | undefined {
  const parts = [str(namespaceDescription), str(own)].filter((s): s is string => !!s);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

function functionToChat(t: JsonObject, namespace?: string, nsDescription?: unknown): JsonObject {
  const fn: JsonObject = { name: chatToolName(str(t['name']) ?? '', namespace) };
  const description = describe(t['description'], nsDescription);
  if (description !== undefined) fn['description'] = description;
  fn['parameters'] = isObject(t['parameters']) ? t['parameters'] : { type: 'object', properties: {} };
  if (typeof t['strict'] === 'boolean') fn['strict'] = t['strict'];
  return fn;
}

function customToChat(t: JsonObject, namespace?: string, nsDescription?: unknown): JsonObject {
  const format = obj(t['format']);
  const lines = [describe(t['description'], nsDescription) ?? ''];
  lines.push('Pass the raw tool input, not JSON, as the string `input`.');
  const definition = str(format['definition']);
  if (format['type'] === 'grammar' && definition) {
    const syntax = str(format['syntax']) ?? 'lark';
    lines.push(`\`input\` must match this ${syntax} grammar:\n${definition}`);
  }
  return {
    name: chatToolName(str(t['name']) ?? '', namespace),
    description: lines.filter(Boolean).join('\n\n'),
    parameters: {
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input for the tool.' } },
      required: ['input'],
      additionalProperties: false,
    },
  };
}

function localShellFunction(): JsonObject {
  return {
    name: LOCAL_SHELL,
    description: 'Run a command on the local machine.',
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'array', items: { type: 'string' }, description: 'The command and its arguments.' },
        working_directory: { type: 'string', description: 'Directory to run the command in.' },
        timeout_ms: { type: 'integer', description: 'Timeout in milliseconds.' },
        env: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'Environment variables to set.',
        },
        user: { type: 'string', description: 'User to run the command as.' },
      },
      required: ['command'],
    },
  };
}

/**
 * The output item for a Chat tool call to `ref`. `args === null` is the in-progress form announced
 * by output_item.added; otherwise `args` are the call's complete Chat arguments.
 */
export function callItem(ref: ToolRef, id: string, callId: string, args: string | null): JsonObject {
  const status = args === null ? 'in_progress' : 'completed';
  if (ref.kind === 'local_shell') {
    return { id, type: 'local_shell_call', status, call_id: callId, action: shellAction(args ?? '') };
  }
  const item: JsonObject =
    ref.kind === 'custom'
      ? {
          id,
          type: 'custom_tool_call',
          status,
          call_id: callId,
          input: args === null ? '' : customInput(args),
        }
      : // Clients JSON.parse the arguments; an argument-less call must still parse.
        { id, type: 'function_call', status, arguments: args === null ? '' : args || '{}', call_id: callId };
  item['name'] = ref.name;
  if (ref.namespace) item['namespace'] = ref.namespace;
  return item;
}

/** A custom tool's input from its Chat arguments; arguments that are not `{input}` are the input. */
export function customInput(args: string): string {
  const parsed = parseJsonObject(args);
  return typeof parsed?.['input'] === 'string' ? parsed['input'] : args;
}

function shellAction(args: string): JsonObject {
  const a = parseJsonObject(args) ?? {};
  const command = arr(a['command']).filter((c): c is string => typeof c === 'string');
  return {
    type: 'exec',
    command: command.length > 0 ? command : typeof a['command'] === 'string' ? [a['command']] : [],
    timeout_ms: typeof a['timeout_ms'] === 'number' ? a['timeout_ms'] : null,
    working_directory: str(a['working_directory']) ?? null,
    env: isObject(a['env']) ? a['env'] : {},
    user: str(a['user']) ?? null,
  };
}

/** A `local_shell_call` item's action as the Chat arguments of a `local_shell` call. */
export function shellArguments(action: unknown): string {
  const a = obj(action);
  const out: JsonObject = { command: arr(a['command']) };
  for (const k of ['working_directory', 'timeout_ms', 'user']) if (a[k] != null) out[k] = a[k];
  if (isObject(a['env']) && Object.keys(a['env']).length > 0) out['env'] = a['env'];
  return JSON.stringify(out);
}
