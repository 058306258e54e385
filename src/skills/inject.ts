import type { JsonObject, WireProtocol } from '../protocol/types.js';
import type { ConversationView } from '../protocol/view.js';
import type { InjectionContext, InjectionResult, PromptInjector } from '../server/injection.js';
import type { BlockComposer, ComposedBlock } from './budget.js';
import type { EmbeddingIndex } from './embeddings.js';
import type { LexicalIndex } from './lexical.js';
import type { LibrarySnapshot, SkillLibrary } from './library.js';
import { type TaskPin, TaskPins } from './pins.js';
import { extractQuery } from './query.js';
import { type RankedSkill, type RetrievalMode, rankSkills } from './retrieval.js';

/**
 * Where the block goes. `user`: appended to the message holding the human's request, and kept on
 * that message in every later request of the session, so the conversation the provider sees only
 * ever grows at its end and its prompt cache keeps the whole history. `system`: appended to the
 * system prompt, which changes at every new task and invalidates the cached history after it.
 */
export type Placement = 'user' | 'system';

export interface InjectorOptions {
  mode: RetrievalMode;
  topK: number;
  maxFull: number;
  budgetTokens: number;
  minScore: number;
  minRelative: number;
  minSimilarity: number;
  requireHeadMatch?: boolean;
  fullMinCoverage?: number;
  contextMessages: number;
  placement: Placement;
}

/** A library to retrieve from: the live one, or a candidate under verification. */
export interface RetrievalSource {
  snap: LibrarySnapshot;
  index: LexicalIndex;
}

export interface Selection {
  ranked: RankedSkill[];
  block: ComposedBlock | null;
}

/**
 * Puts the relevant skills into main turns. One task (a human request and its tool loop) gets one
 * block, chosen on its first call and pinned: every later call of the task, and in `user` placement
 * every later request that still carries that request in its history, sends the same bytes, whatever
 * the library did meanwhile. Synchronous and allocation-light.
 */
export class SkillInjector implements PromptInjector {
  readonly pins = new TaskPins();

  constructor(
    private readonly library: SkillLibrary,
    private readonly composer: BlockComposer,
    private readonly embeddings: EmbeddingIndex | null,
    readonly options: InjectorOptions,
  ) {}

  /** What retrieval would inject for this view from `source` (default: the live library). */
  select(view: ConversationView, source?: RetrievalSource): Selection {
    const snap = source?.snap ?? this.library.current();
    const index = source?.index ?? this.library.index;
    if (snap.size === 0 || view.request === '') return { ranked: [], block: null };
    const query = extractQuery(view, this.options.contextMessages);
    // A candidate library has no vectors yet: only the live one uses embeddings.
    const embeddings = !source || source.index === this.library.index ? this.embeddings : null;
    const ranked = rankSkills(snap, index, embeddings, query, this.options);
    return { ranked, block: this.composer.compose(ranked, this.options) };
  }

  inject(body: JsonObject, ctx: InjectionContext): InjectionResult {
    // Read the snapshot once: everything below sees this one generation.
    const snap = this.library.current();
    const { view } = ctx;
    const none: InjectionResult = { body, libraryGeneration: snap.generation, injectedRevisionIds: [] };
    if (ctx.kind !== 'main' || view.humanTurns.length === 0) return none;
    const last = view.humanTurns.length - 1;
    const blocks = new Map<number, string>();
    let current: TaskPin | undefined;
    // Earlier tasks keep their blocks only where the block sits in their message (user placement).
    const from = this.options.placement === 'user' ? 0 : last;
    for (let t = from; t <= last; t++) {
      const turn = view.humanTurns[t]!;
      const task = ctx.prefixHashes[turn.stableLength - 1] ?? '';
      let pin = this.pins.get(ctx.sessionId, task);
      // An empty library pins nothing: a proxy without skills keeps no state per task.
      if (!pin && t === last && snap.size > 0) {
        const { block } = this.select(view, { snap, index: this.library.index });
        pin = { generation: snap.generation, text: block?.text ?? '', revisionIds: block?.revisionIds ?? [] };
        this.pins.set(ctx.sessionId, task, pin);
      }
      if (t === last) current = pin;
      if (pin?.text) blocks.set(view.items[turn.item]!.at, pin.text);
    }
    if (!current) return none;
    const result = { body, libraryGeneration: current.generation, injectedRevisionIds: current.revisionIds };
    if (blocks.size === 0) return result;
    result.body =
      this.options.placement === 'user'
        ? attachToMessages(view.protocol, body, blocks)
        : insertBlock(view.protocol, body, current.text);
    return result;
  }

  /** The injection a fresh task would get from `source` (verification replays; nothing is pinned). */
  injectWith(body: JsonObject, view: ConversationView, source: RetrievalSource): InjectionResult & Selection {
    const sel = this.select(view, source);
    const out = {
      body,
      libraryGeneration: source.snap.generation,
      injectedRevisionIds: [] as number[],
      ...sel,
    };
    if (!sel.block || view.requestItem < 0) return out;
    out.injectedRevisionIds = sel.block.revisionIds;
    out.body =
      this.options.placement === 'user'
        ? attachToMessages(view.protocol, body, new Map([[view.items[view.requestItem]!.at, sel.block.text]]))
        : insertBlock(view.protocol, body, sel.block.text);
    return out;
  }
}

/**
 * Append each block to the message at its index (a raw `messages` / `input` index) without
 * mutating `body`: a parts content gets one more text part (Anthropic `cache_control` on the
 * existing parts untouched), an Anthropic string content becomes two text blocks, other string
 * contents get it after a blank line.
 */
export function attachToMessages(
  protocol: WireProtocol,
  body: JsonObject,
  blocks: Map<number, string>,
): JsonObject {
  if (protocol === 'openai-responses' && typeof body.input === 'string') {
    const text = blocks.get(0);
    return text ? { ...body, input: `${body.input}\n\n${text}` } : body;
  }
  const key = protocol === 'openai-responses' ? 'input' : 'messages';
  const list = body[key];
  if (!Array.isArray(list)) return body;
  const next = list.slice();
  const partType = protocol === 'openai-responses' ? 'input_text' : 'text';
  for (const [at, text] of blocks) {
    const msg = next[at] as JsonObject | undefined;
    if (!msg || typeof msg !== 'object') continue;
    const c = msg.content;
    // Anthropic agents send one message as a string in one call and as a text block in the next
    // (Claude Code): two blocks render the same either way, so the bytes stay the same.
    const content = Array.isArray(c)
      ? [...c, { type: partType, text }]
      : typeof c === 'string' && c !== ''
        ? protocol === 'anthropic-messages'
          ? [
              { type: 'text', text: c },
              { type: 'text', text },
            ]
          : `${c}\n\n${text}`
        : text;
    next[at] = { ...msg, content };
  }
  return { ...body, [key]: next };
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
