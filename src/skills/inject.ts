import type { JsonObject, WireProtocol } from '../protocol/types.js';
import type { InjectionResult, PromptInjector } from '../server/injection.js';
import type { TurnKind } from '../store/turns.js';
import type { BlockComposer } from './budget.js';
import type { EmbeddingIndex } from './embeddings.js';
import type { SkillLibrary } from './library.js';
import { extractQuery } from './query.js';
import { type RetrievalMode, rankSkills } from './retrieval.js';

export interface InjectorOptions {
  mode: RetrievalMode;
  topK: number;
  maxFull: number;
  budgetTokens: number;
  minScore: number;
  minRelative: number;
  minSimilarity: number;
  contextMessages: number;
}

/**
 * Puts the relevant skills into the system prompt of main turns. Synchronous and allocation-light:
 * one snapshot read, one index search, cached token counts, shallow copies along the edited path.
 */
export class SkillInjector implements PromptInjector {
  constructor(
    private readonly library: SkillLibrary,
    private readonly composer: BlockComposer,
    private readonly embeddings: EmbeddingIndex | null,
    private readonly o: InjectorOptions,
  ) {}

  inject(protocol: WireProtocol, body: JsonObject, kind: TurnKind): InjectionResult {
    // Read the snapshot once: everything below sees this one generation.
    const snap = this.library.current();
    const none: InjectionResult = { body, libraryGeneration: snap.generation, injectedRevisionIds: [] };
    if (kind !== 'main' || snap.size === 0) return none;
    const query = extractQuery(protocol, body, this.o.contextMessages);
    const ranked = rankSkills(snap, this.library.index, this.embeddings, query, this.o);
    const block = this.composer.compose(ranked, this.o);
    if (!block) return none;
    return {
      body: insertBlock(protocol, body, block.text),
      libraryGeneration: snap.generation,
      injectedRevisionIds: block.revisionIds,
    };
  }
}

/**
 * Add `text` to the request's system prompt without mutating `body`.
 * - OpenAI Chat: appended to the first system/developer message (string: after a blank line;
 *   parts: one more text part), or a new system message at the start.
 * - Anthropic: existing system blocks (cache_control included) stay byte-identical and ours comes
 *   after them. A string system becomes `[{text: original}, {text: ours}]`: the original renders
 *   the same as before, so the cached prefix (tools + the agent's system text) still matches.
 * - OpenAI Responses: appended to `instructions`.
 */
export function insertBlock(protocol: WireProtocol, body: JsonObject, text: string): JsonObject {
  if (protocol === 'anthropic-messages') {
    const ours = { type: 'text', text };
    const sys = body.system;
    if (Array.isArray(sys)) return { ...body, system: [...sys, ours] };
    if (typeof sys === 'string' && sys !== '')
      return { ...body, system: [{ type: 'text', text: sys }, ours] };
    return { ...body, system: [ours] };
  }
  if (protocol === 'openai-responses') {
    const ins = body.instructions;
    return { ...body, instructions: typeof ins === 'string' && ins !== '' ? `${ins}\n\n${text}` : text };
  }
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const at = messages.findIndex((m) => {
    const role = (m as JsonObject | null)?.role;
    return role === 'system' || role === 'developer';
  });
  if (at < 0) return { ...body, messages: [{ role: 'system', content: text }, ...messages] };
  const msg = messages[at] as JsonObject;
  const c = msg.content;
  const content = Array.isArray(c)
    ? [...c, { type: 'text', text }]
    : typeof c === 'string' && c !== ''
      ? `${c}\n\n${text}`
      : text;
  const next = messages.slice();
  next[at] = { ...msg, content };
  return { ...body, messages: next };
}
