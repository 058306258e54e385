import { type core, z } from 'zod';
import { kindOf, preview } from '../json.js';
import type { JsonObject } from '../types.js';
import { specificIssue, validateWith } from '../validate.js';

/*
 * Boundary validation of Responses API request bodies. Like the other validators it is loose
 * (unknown fields and unknown item types pass, so native pass-through keeps working as the API
 * grows) and returns the ORIGINAL object. Known item types are checked field by field so a bad
 * item is reported as e.g. `input[3].call_id`.
 */

type ErrorFn = (iss: core.$ZodRawIssue) => string;

function expect(what: string): { error: ErrorFn } {
  return {
    error: (iss) => (iss.input === undefined ? 'is required' : `must be ${what}, got ${kindOf(iss.input)}`),
  };
}

const text = (what = 'a string') => z.string(expect(what));
const part = z.looseObject({ type: text() }, expect('an object'));
const parts = z.array(part, expect('an array'));
const nullableNumber = z.number(expect('a number')).nullable().optional();

const ROLES = ['user', 'assistant', 'system', 'developer'] as const;

const ITEMS: Record<string, z.ZodType> = {
  message: z.looseObject({
    role: z.enum(ROLES, {
      error: (iss) => (iss.input === undefined ? 'is required' : `unknown role ${preview(iss.input)}`),
    }),
    content: z.union([z.string(), parts], expect('a string or an array of content parts')),
  }),
  function_call: z.looseObject({ call_id: text(), name: text(), arguments: text() }),
  function_call_output: z.looseObject({
    call_id: text(),
    output: z.union([z.string(), parts], expect('a string or an array of content parts')),
  }),
  custom_tool_call: z.looseObject({ call_id: text(), name: text(), input: text() }),
  custom_tool_call_output: z.looseObject({
    call_id: text(),
    output: z.union([z.string(), parts], expect('a string or an array of content parts')),
  }),
};

/** Items without `type` are messages (the "easy input message" form). */
const item = z
  .looseObject({ type: text().optional() }, expect('an object'))
  .superRefine((it, ctx) => forward(ITEMS[it.type ?? 'message'], it, ctx));

const functionTool = z.looseObject({
  name: text(),
  parameters: z.looseObject({}, expect('an object')).nullable().optional(),
});
const customTool = z.looseObject({ name: text() });

const TOOLS: Record<string, z.ZodType> = {
  function: functionTool,
  custom: customTool,
  namespace: z.looseObject({
    name: text(),
    tools: z.array(
      z
        .looseObject({ type: text() }, expect('an object'))
        .superRefine((t, ctx) => forward(t.type === 'function' ? functionTool : customTool, t, ctx)),
      expect('an array'),
    ),
  }),
};

const tool = z
  .looseObject({ type: text() }, expect('an object'))
  .superRefine((t, ctx) => forward(TOOLS[t.type], t, ctx));

/** Check `value` against a per-type schema, reporting its issues at their own paths. */
function forward(schema: z.ZodType | undefined, value: unknown, ctx: z.RefinementCtx): void {
  if (!schema) return;
  const r = schema.safeParse(value);
  if (r.success) return;
  for (const iss of r.error.issues) {
    const { path, message } = specificIssue(iss);
    ctx.addIssue({ code: 'custom', path, message });
  }
}

const responsesRequest = z.looseObject(
  {
    model: text(),
    // Optional: a stored prompt or previous_response_id can stand in for it (natively).
    input: z
      .union([z.string(), z.array(item, expect('an array'))], expect('a string or an array of items'))
      .optional(),
    instructions: text().nullable().optional(),
    stream: z.boolean(expect('a boolean')).optional(),
    tools: z.array(tool, expect('an array')).optional(),
    tool_choice: z
      .union([z.string(), z.looseObject({ type: text() })], expect('a string or an object'))
      .optional(),
    max_output_tokens: z
      .number(expect('a positive integer'))
      .int(expect('a positive integer'))
      .positive(expect('a positive integer'))
      .nullable()
      .optional(),
    temperature: nullableNumber,
    top_p: nullableNumber,
    previous_response_id: text().nullable().optional(),
  },
  expect('a JSON object'),
);

/** Validate an OpenAI Responses request body; returns the same object on success. */
export function validateResponsesRequest(body: unknown): JsonObject {
  return validateWith(responsesRequest, body);
}
