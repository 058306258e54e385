import { type core, z } from 'zod';
import { ProtocolError } from './errors.js';
import { kindOf, preview } from './json.js';
import type { JsonObject } from './types.js';

/*
 * Boundary validation of client request bodies. Schemas are loose (unknown fields allowed) and the
 * functions return the ORIGINAL object: the proxy forwards bodies byte-for-byte where it can, so a
 * re-parsed copy (reordered keys, stripped extras) must never leak out of here.
 */

type ErrorFn = (iss: core.$ZodRawIssue) => string;

/** "is required" when absent, otherwise "must be <what>, got <kind>". */
function expect(what: string): { error: ErrorFn } {
  return {
    error: (iss) => (iss.input === undefined ? 'is required' : `must be ${what}, got ${kindOf(iss.input)}`),
  };
}

const positiveInt = (what = 'a positive integer') =>
  z.number(expect(what)).int(expect(what)).positive(expect(what));

const block = z.looseObject({ type: z.string(expect('a string')) }, expect('an object'));
const blockArray = z.array(block, expect('an array'));

const OPENAI_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
// Claude Code ≥ 2.1 (beta `mid-conversation-system-2026-04-07`) puts `{role: "system"}` messages
// between the turns, even with experimental betas disabled; refusing them breaks every call.
const ANTHROPIC_ROLES = ['user', 'assistant', 'system'] as const;

function roleEnum<const T extends readonly [string, ...string[]]>(roles: T) {
  return z.enum(roles, {
    error: (iss) => (iss.input === undefined ? 'is required' : `unknown role ${preview(iss.input)}`),
  });
}

const openAIMessage = z
  .looseObject(
    {
      role: roleEnum(OPENAI_ROLES),
      content: z
        .union([z.string(), blockArray, z.null()], expect('a string, an array of content parts, or null'))
        .optional(),
      tool_calls: z.array(z.looseObject({}, expect('an object')), expect('an array')).optional(),
    },
    expect('an object'),
  )
  .superRefine((m, ctx) => {
    // Only an assistant turn may omit its content (it carries tool_calls / function_call instead).
    if (m.role !== 'assistant' && (m.content === undefined || m.content === null)) {
      const msg = m.content === null ? `must not be null for role "${m.role}"` : 'is required';
      ctx.addIssue({ code: 'custom', path: ['content'], message: msg });
    }
    if (m.role === 'tool' && typeof m['tool_call_id'] !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['tool_call_id'], message: 'is required for role "tool"' });
    }
  });

const openAIChatRequest = z.looseObject(
  {
    model: z.string(expect('a string')),
    messages: z.array(openAIMessage, expect('an array')).min(1, 'must contain at least one message'),
    stream: z.boolean(expect('a boolean')).optional(),
    n: positiveInt().optional(),
    tools: z.array(z.looseObject({}, expect('an object')), expect('an array')).optional(),
  },
  expect('a JSON object'),
);

const anthropicMessage = z.looseObject(
  {
    role: roleEnum(ANTHROPIC_ROLES),
    content: z.union([z.string(), blockArray], expect('a string or an array of content blocks')),
  },
  expect('an object'),
);

const anthropicMessagesRequest = z.looseObject(
  {
    model: z.string(expect('a string')),
    max_tokens: positiveInt(),
    messages: z.array(anthropicMessage, expect('an array')).min(1, 'must contain at least one message'),
    system: z.union([z.string(), blockArray], expect('a string or an array of content blocks')).optional(),
    stream: z.boolean(expect('a boolean')).optional(),
  },
  expect('a JSON object'),
);

/** `['messages', 2, 'role']` → `messages[2].role`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/**
 * The most specific issue: inside a union, follow the branch that got past the type check (its issue
 * sits deeper than the union itself), so `content[0].type` is reported instead of "not a union member".
 */
export function specificIssue(issue: core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_union') {
    const deeper = issue.errors.flat().find((i) => i.path.length > 0);
    if (deeper) {
      const inner = specificIssue(deeper);
      return { path: [...issue.path, ...inner.path], message: inner.message };
    }
  }
  return { path: [...issue.path], message: issue.message };
}

/** Validate `body` against `schema`; the first (most specific) problem becomes a 400 naming its field. */
export function validateWith(schema: z.ZodType, body: unknown): JsonObject {
  const r = schema.safeParse(body);
  if (r.success) return body as JsonObject;
  const first = r.error.issues[0];
  if (!first) throw new ProtocolError('invalid request body');
  const { path, message } = specificIssue(first);
  if (path.length === 0) throw new ProtocolError(`request body ${message}`, { code: 'invalid_body' });
  const param = formatPath(path);
  const code = message === 'is required' ? 'missing_required_parameter' : 'invalid_value';
  throw new ProtocolError(`${param}: ${message}`, { param, code });
}

/** Validate an OpenAI Chat Completions request body; returns the same object on success. */
export function validateOpenAIChatRequest(body: unknown): JsonObject {
  return validateWith(openAIChatRequest, body);
}

/** Validate an Anthropic Messages request body; returns the same object on success. */
export function validateAnthropicMessagesRequest(body: unknown): JsonObject {
  return validateWith(anthropicMessagesRequest, body);
}
