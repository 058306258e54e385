import YAML from 'yaml';
import { z } from 'zod';

/**
 * The Agent Skills SKILL.md format: YAML frontmatter between `---` lines, then a Markdown body.
 * MetaClaw's own fields live under `metadata` so other tools (Claude Code, OpenClaw) can read
 * the same folder without tripping on unknown keys.
 */

export const SKILL_NAME_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_NAME = 64;
export const MAX_DESCRIPTION = 1024;

export type SkillOrigin = 'manual' | 'evolved' | 'imported' | 'starter';

const frontmatterSchema = z
  .object({
    name: z
      .string({ error: 'name is required and must be a string' })
      .max(MAX_NAME, `name is longer than ${MAX_NAME} characters`)
      .regex(
        SKILL_NAME_RE,
        'name must be lowercase letters, digits and single hyphens (no leading/trailing hyphen)',
      ),
    description: z
      .string({ error: 'description is required and must be a string' })
      .trim()
      .min(1, 'description is empty')
      .max(MAX_DESCRIPTION, `description is longer than ${MAX_DESCRIPTION} characters`),
    license: z.string().optional(),
    compatibility: z.string().max(500, 'compatibility is longer than 500 characters').optional(),
    'allowed-tools': z.string().optional(),
    metadata: z.record(z.string(), z.unknown(), { error: 'metadata must be a map' }).optional(),
  })
  // Other tools add their own top-level keys; keep them so a round trip loses nothing.
  .passthrough();

export type SkillFrontmatter = z.infer<typeof frontmatterSchema>;

export interface SkillDocument {
  frontmatter: SkillFrontmatter;
  /** Markdown body, normalised: no leading blank lines, no trailing whitespace. */
  body: string;
}

/** MetaClaw's fields from `metadata`, read leniently (spec says string values; YAML may give others). */
export interface SkillMeta {
  category: string | null;
  tags: string[];
  origin: SkillOrigin | null;
  pinned: boolean;
}

export class SkillFormatError extends Error {
  readonly code = 'skill_format';
}

export function normaliseBody(body: string): string {
  return body
    .replace(/\r\n?/g, '\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd();
}

/** Parse SKILL.md text. `folderName`, when given, must equal the frontmatter name. */
export function parseSkill(text: string, folderName?: string): SkillDocument {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!src.startsWith('---\n')) throw new SkillFormatError('does not start with a --- frontmatter line');
  const end = src.indexOf('\n---', 3);
  if (end < 0) throw new SkillFormatError('frontmatter is not closed by a --- line');
  const after = src.indexOf('\n', end + 4);
  const closing = src.slice(end + 1, after < 0 ? undefined : after);
  if (closing.trimEnd() !== '---') throw new SkillFormatError('frontmatter is not closed by a --- line');
  const yamlText = src.slice(4, end + 1);
  const doc = YAML.parseDocument(yamlText, { uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new SkillFormatError(`invalid YAML frontmatter: ${doc.errors[0]!.message.split('\n')[0]}`);
  const raw: unknown = doc.toJS();
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new SkillFormatError('frontmatter is not a YAML map');
  const parsed = frontmatterSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.map(String).join('.');
    throw new SkillFormatError(key ? `${key}: ${issue.message}` : issue.message);
  }
  if (folderName !== undefined && parsed.data.name !== folderName) {
    throw new SkillFormatError(`name "${parsed.data.name}" does not match its folder "${folderName}"`);
  }
  return { frontmatter: parsed.data, body: normaliseBody(after < 0 ? '' : src.slice(after + 1)) };
}

/** Validate a document built in code (evolver, CLI) with the same rules as a file. */
export function validateSkill(doc: SkillDocument): SkillDocument {
  return parseSkill(serializeSkill(doc));
}

const KEY_ORDER = ['name', 'description', 'license', 'compatibility', 'allowed-tools', 'metadata'];

/** Serialise to SKILL.md text; `parseSkill(serializeSkill(d))` deep-equals `d` for a valid d. */
export function serializeSkill(doc: SkillDocument): string {
  const fm: Record<string, unknown> = {};
  const src = doc.frontmatter as Record<string, unknown>;
  for (const k of KEY_ORDER) if (src[k] !== undefined) fm[k] = src[k];
  for (const [k, v] of Object.entries(src)) if (!KEY_ORDER.includes(k) && v !== undefined) fm[k] = v;
  const yamlText = YAML.stringify(fm, { lineWidth: 0 });
  const body = normaliseBody(doc.body);
  return `---\n${yamlText}---\n${body ? `\n${body}\n` : ''}`;
}

export function skillMeta(fm: SkillFrontmatter): SkillMeta {
  const m = (fm.metadata ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  const tagsRaw = m.tags;
  const tags = Array.isArray(tagsRaw)
    ? tagsRaw.filter((t): t is string => typeof t === 'string')
    : typeof tagsRaw === 'string'
      ? tagsRaw.split(/[,\s]+/)
      : [];
  const origin = str(m.origin);
  return {
    category: str(m.category),
    tags: tags.map((t) => t.trim()).filter(Boolean),
    origin:
      origin === 'manual' || origin === 'evolved' || origin === 'imported' || origin === 'starter'
        ? origin
        : null,
    pinned: m.pinned === true || (typeof m.pinned === 'string' && /^(true|yes|1)$/i.test(m.pinned.trim())),
  };
}

/** Set MetaClaw metadata fields as spec-compliant string values, keeping the rest. */
export function withMeta(
  doc: SkillDocument,
  patch: Partial<Record<'origin' | 'category' | 'tags' | 'pinned', string>>,
): SkillDocument {
  const metadata = { ...((doc.frontmatter.metadata ?? {}) as Record<string, unknown>), ...patch };
  return { frontmatter: { ...doc.frontmatter, metadata }, body: doc.body };
}

/** Stable identity of a document's content, to tell "changed" from "rewritten the same". */
export function contentKey(doc: SkillDocument): string {
  return `${stableJson(doc.frontmatter)}\u0000${normaliseBody(doc.body)}`;
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
