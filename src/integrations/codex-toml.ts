import { parse as parseToml } from 'smol-toml';
import type { FileEdit } from './managed-file.js';
import { IntegrationError } from './types.js';

/*
 * ~/.codex/config.toml is edited as text, not parsed and re-serialised: a TOML round trip
 * through smol-toml drops every comment and reorders tables. We touch exactly two top-level
 * lines (`model_provider`, `model`) and one table (`[model_providers.metaclaw]`), remember the
 * exact original text of each, and put it back on removal, so everything else stays
 * byte-identical — even when the user edits other parts of the file while MetaClaw is wired.
 * smol-toml only validates: the original before editing, and our result after.
 *
 * Limits of the line scanner: a top-level key whose value spans lines (multi-line string or
 * array) for `model_provider`/`model` is not recognised, and `model_providers` written as an
 * inline table (`model_providers = { … }`) is refused with a message instead of edited.
 */

export const CODEX_PROVIDER_ID = 'metaclaw';
export const CODEX_ENV_KEY = 'METACLAW_API_KEY';

export interface CodexWiring {
  /** Proxy root; `/v1` is appended (Codex posts to `{base_url}/responses`). */
  proxyUrl: string;
  model: string;
  /** `metaclaw hook codex` for the SessionStart / SessionEnd hooks; null = no hooks. */
  hookCommand?: string | null;
}

export interface CodexUndo {
  /** Original line (without line break), or null when we inserted the line. */
  keys: { key: string; original: string | null; written: string }[];
  /** Original table block, or null when we appended ours at the end (after `sep`, a blank line). */
  table: { original: string | null; written: string; sep: string };
  /** The file lacked a final newline and we added one before appending. */
  addedFinalNewline: boolean;
  /** Our hooks block, appended at the end after `sep` (absent in installs before hooks). */
  hooks?: { written: string; sep: string } | null;
}

/** First line of our hooks block; the block runs from it to the end of our last hook table. */
export const CODEX_HOOKS_MARK = '# MetaClaw: tell the proxy when a Codex session starts and ends';

/**
 * Codex (0.169) runs SessionStart / SessionEnd command hooks from `[[hooks.<Event>]]` tables in
 * config.toml, like Claude Code's (same stdin JSON). It clamps SessionEnd hooks to 3 s.
 */
function hooksText(command: string, eol: string): string {
  const block = (event: string, timeout: number) => [
    `[[hooks.${event}]]`,
    `[[hooks.${event}.hooks]]`,
    'type = "command"',
    `command = ${tomlString(command)}`,
    `timeout = ${timeout}`,
  ];
  return [
    `${CODEX_HOOKS_MARK} (metaclaw integrate --remove codex takes it out)`,
    ...block('SessionStart', 5),
    '',
    ...block('SessionEnd', 3),
    '',
  ].join(eol);
}

const TABLE_HEADER = /^\s*\[\s*model_providers\s*\.\s*(?:metaclaw|"metaclaw"|'metaclaw')\s*\]\s*(?:#.*)?$/;

function tomlString(s: string): string {
  return JSON.stringify(s); // JSON escapes are valid TOML basic-string escapes
}

/** Lines with their line breaks, so `lines.join('') === text`. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function bare(line: string): string {
  return line.replace(/\r?\n$/, '');
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Index of the first table header (`[x]`/`[[x]]`), skipping multi-line strings; lines.length if none. */
function firstHeader(lines: string[], from = 0): number {
  let inString: string | null = null;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!;
    if (!inString && /^\s*\[/.test(line)) return i;
    for (const q of ['"""', "'''"]) {
      const n = line.split(q).length - 1;
      if (n % 2 === 1 && (inString === null || inString === q)) inString = inString ? null : q;
    }
  }
  return lines.length;
}

function keyLine(lines: string[], key: string, end: number): number {
  const re = new RegExp(`^\\s*(?:${key}|"${key}"|'${key}')\\s*=`);
  for (let i = 0; i < end; i++) if (re.test(lines[i]!)) return i;
  return -1;
}

/** Where a new top-level key goes: before the first table, above any comment lines that introduce it. */
function insertionPoint(lines: string[], header: number): number {
  let i = header;
  while (i > 0 && /^\s*#/.test(lines[i - 1]!)) i--;
  return i;
}

/**
 * Our table: [start, coreEnd) runs from its header to its last key line; the blank and comment
 * lines after that (up to the next header) introduce whatever follows, so they are not ours.
 */
function findTable(lines: string[]): [number, number] | null {
  const start = lines.findIndex((l) => TABLE_HEADER.test(bare(l)));
  if (start < 0) return null;
  let end = firstHeader(lines, start + 1);
  while (end > start + 1 && /^\s*(#.*)?\r?\n?$/.test(lines[end - 1]!)) end--;
  return [start, end];
}

function tableText(w: CodexWiring, eol: string): string {
  return [
    `[model_providers.${CODEX_PROVIDER_ID}]`,
    `name = "MetaClaw"`,
    `base_url = ${tomlString(`${w.proxyUrl}/v1`)}`,
    `wire_api = "responses"`,
    `env_key = "${CODEX_ENV_KEY}"`,
    '',
  ].join(eol);
}

function validate(text: string, what: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new IntegrationError(`${what}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Take our hooks block out (with the blank line we put before it), if it is there as we wrote it. */
function cutBlock(text: string, h: { written: string; sep: string }): string {
  const withSep = h.sep + h.written;
  let i = h.sep ? text.lastIndexOf(withSep) : -1;
  if (i >= 0) return text.slice(0, i) + text.slice(i + withSep.length);
  i = text.lastIndexOf(h.written);
  return i >= 0 ? text.slice(0, i) + text.slice(i + h.written.length) : text;
}

export function codexEdit(w: CodexWiring): FileEdit<CodexUndo> {
  return {
    apply(text, last) {
      const original = text ?? '';
      validate(original, '~/.codex/config.toml is not valid TOML; fix it first');
      const eol = eolOf(original);
      let body = original;
      const addedFinalNewline = body !== '' && !body.endsWith('\n');
      if (addedFinalNewline) body += eol;
      let lines = splitLines(body);

      // Top-level keys first (they must precede every table).
      const keys: CodexUndo['keys'] = [];
      const wanted: [string, string][] = [
        ['model_provider', CODEX_PROVIDER_ID],
        ['model', w.model],
      ];
      const inserts: string[] = [];
      for (const [key, value] of wanted) {
        const written = `${key} = ${tomlString(value)}`;
        const i = keyLine(lines, key, firstHeader(lines));
        const prev = last?.keys.find((k) => k.key === key);
        if (i >= 0) {
          // Re-install: the line we wrote last time keeps its remembered original.
          const orig = prev && bare(lines[i]!) === prev.written ? prev.original : bare(lines[i]!);
          lines[i] = written + (lines[i]!.endsWith('\n') ? eol : '');
          keys.push({ key, original: orig, written });
        } else {
          inserts.push(written + eol);
          keys.push({ key, original: null, written });
        }
      }
      if (inserts.length > 0) lines.splice(insertionPoint(lines, firstHeader(lines)), 0, ...inserts);

      const ours = tableText(w, eol);
      let table: CodexUndo['table'];
      const found = findTable(lines);
      if (found) {
        const [s, e] = found;
        const block = lines.slice(s, e).join('');
        // Re-install over our own table keeps the remembered original.
        const mine = last !== null && block === last.table.written;
        lines.splice(s, e - s, ours);
        table = mine ? { ...last.table, written: ours } : { original: block, written: ours, sep: '' };
      } else {
        const text = lines.join('');
        const sep = text === '' || text.endsWith(`${eol}${eol}`) ? '' : eol;
        lines = splitLines(text + sep + ours);
        table = { original: null, written: ours, sep };
      }
      let out = lines.join('');
      // Our hooks block: an unchanged one stays where it is; otherwise the old one (if it is
      // still there as we wrote it) comes out and the new one goes at the end.
      let hooks: CodexUndo['hooks'] = null;
      const wantHooks = w.hookCommand ? hooksText(w.hookCommand, eol) : null;
      const old = last?.hooks ?? null;
      if (old && wantHooks !== null && old.written === wantHooks && out.includes(old.written)) hooks = old;
      else {
        if (old) out = cutBlock(out, old);
        if (wantHooks !== null) {
          const sep = out === '' || out.endsWith(`${eol}${eol}`) ? '' : eol;
          out = out + sep + wantHooks;
          hooks = { written: wantHooks, sep };
        }
      }
      const parsed = validate(out, 'cannot wire Codex: the edited config.toml would be invalid');
      const providers = parsed.model_providers as Record<string, { base_url?: unknown }> | undefined;
      if (
        parsed.model_provider !== CODEX_PROVIDER_ID ||
        providers?.[CODEX_PROVIDER_ID]?.base_url !== `${w.proxyUrl}/v1`
      )
        throw new IntegrationError(
          'cannot wire Codex: config.toml defines model_provider or model_providers in a form MetaClaw does not edit (e.g. an inline table); add the [model_providers.metaclaw] table by hand',
        );
      return {
        text: out,
        undo: {
          keys,
          table,
          addedFinalNewline: last ? last.addedFinalNewline || addedFinalNewline : addedFinalNewline,
          hooks,
        },
      };
    },

    revert(text, undo, existedBefore) {
      let out = undo.hooks ? cutBlock(text, undo.hooks) : text;
      const t = undo.table;
      const lines = splitLines(out);
      const found = findTable(lines);
      if (found) {
        let [s, e] = found;
        // The blank line we put before an appended table goes with it.
        if (t.original === null && t.sep && s > 0 && lines[s - 1] === t.sep) s--;
        lines.splice(s, e - s, t.original ?? '');
        out = lines.join('');
      }
      for (const k of [...undo.keys].reverse()) {
        const lines = splitLines(out);
        const i = keyLine(lines, k.key, firstHeader(lines));
        // A line the user changed since is their choice now: leave it.
        if (i < 0 || bare(lines[i]!) !== k.written) continue;
        if (k.original === null) lines.splice(i, 1);
        else lines[i] = k.original + lines[i]!.slice(bare(lines[i]!).length);
        out = lines.join('');
      }
      if (undo.addedFinalNewline) out = out.replace(/\r?\n$/, '');
      if (!existedBefore && out.trim() === '') return null;
      return out;
    },

    present(text) {
      const parsed = validate(text, 'config.toml is not valid TOML');
      const providers = parsed.model_providers as Record<string, unknown> | undefined;
      return parsed.model_provider === CODEX_PROVIDER_ID && providers?.[CODEX_PROVIDER_ID] !== undefined;
    },
  };
}
