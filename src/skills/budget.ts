import { loadO200k, type O200k } from './o200k.js';
import type { RankedSkill } from './retrieval.js';

export interface TokenCounter {
  count(text: string): number;
}

/**
 * o200k_base (GPT-4o family; see o200k.ts). Its table (~4 MB, ~0.2–0.3 s to build) is built on first
 * use: a proxy with an empty library never pays for it.
 */
export function o200kCounter(): TokenCounter {
  let enc: O200k | null = null;
  return {
    count: (text) => {
      enc ??= loadO200k();
      return enc.count(text);
    },
  };
}

export interface ComposeOptions {
  budgetTokens: number;
  maxFull: number;
}

export interface ComposedBlock {
  text: string;
  revisionIds: number[];
  tokens: number;
  full: number;
  lines: number;
}

/**
 * The injected text is a sequence of pieces, each starting with `#`, `-` or a letter and ending
 * with a newline. Tokenizers pre-split text at such a boundary (no o200k/cl100k pre-token spans a
 * newline followed by those characters), so the block's token count is exactly the sum of its
 * pieces' counts; each piece is counted once per revision and cached, keeping the request path
 * free of tokenizer work for skills it has seen before.
 */
export const HEADER =
  '## Skills\nMetaClaw selected these skills for this request. Apply the ones that fit; ignore the rest.\n\n';
export const LINES_HEADER = 'Also relevant (name: when to use):\n';

export function fullPiece(name: string, description: string, body: string): string {
  return `### ${name}\n${oneLine(description)}\n${body ? `\n${body}\n` : ''}\n`;
}

export function linePiece(name: string, description: string): string {
  return `- ${name}: ${oneLine(description)}\n`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export class BlockComposer {
  private readonly pieces = new Map<
    number,
    { full: string; fullTokens: number; line: string; lineTokens: number }
  >();
  private headerTokens = -1;
  private linesHeaderTokens = -1;

  constructor(private readonly counter: TokenCounter) {}

  /** Load the tokenizer now (start-up) rather than on the first request that needs it. */
  warm(): void {
    if (this.headerTokens >= 0) return;
    this.headerTokens = this.counter.count(HEADER);
    this.linesHeaderTokens = this.counter.count(LINES_HEADER);
  }

  /** Count a revision's pieces ahead of time (background warm-up), so requests only add numbers. */
  prepare(id: number, name: string, description: string, body: string) {
    let p = this.pieces.get(id);
    if (!p) {
      const full = fullPiece(name, description, body);
      const line = linePiece(name, description);
      p = { full, fullTokens: this.counter.count(full), line, lineTokens: this.counter.count(line) };
      this.pieces.set(id, p);
    }
    return p;
  }

  forget(id: number): void {
    this.pieces.delete(id);
  }

  /**
   * Full bodies for the best skills (at most `maxFull`, and only strong matches), then one line each
   * for the next ones; once one skill drops to a line, all later ones do, so relevance order is
   * kept. Never over budget.
   */
  compose(ranked: readonly RankedSkill[], o: ComposeOptions): ComposedBlock | null {
    this.warm();
    let used = this.headerTokens;
    if (ranked.length === 0 || used >= o.budgetTokens) return null;
    const fullText: string[] = [];
    const lineText: string[] = [];
    const fullIds: number[] = [];
    const lineIds: number[] = [];
    let fullMode = o.maxFull > 0;
    for (const { revision: r, strong } of ranked) {
      const p = this.prepare(r.id, r.name, r.description, r.body);
      if (fullMode && strong && fullIds.length < o.maxFull && used + p.fullTokens <= o.budgetTokens) {
        fullText.push(p.full);
        fullIds.push(r.id);
        used += p.fullTokens;
        continue;
      }
      fullMode = false;
      const cost = p.lineTokens + (lineIds.length === 0 ? this.linesHeaderTokens : 0);
      if (used + cost <= o.budgetTokens) {
        lineText.push(p.line);
        lineIds.push(r.id);
        used += cost;
      }
    }
    if (fullIds.length + lineIds.length === 0) return null;
    const text = HEADER + fullText.join('') + (lineIds.length > 0 ? LINES_HEADER + lineText.join('') : '');
    return {
      text,
      revisionIds: [...fullIds, ...lineIds],
      tokens: used,
      full: fullIds.length,
      lines: lineIds.length,
    };
  }
}
