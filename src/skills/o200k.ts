import fs from 'node:fs';
import { createRequire } from 'node:module';

/**
 * o200k_base token counts (the GPT-4o family's tokenizer), for the injected block's budget.
 *
 * js-tiktoken's encoder keeps its 200k-entry vocabulary as two Maps keyed by comma-joined byte
 * strings: building it took ~2.7 s of CPU and held ~150 MB of RSS for the life of the service,
 * two thirds of an idle proxy with the starter skills. Counting needs only "is this byte string a
 * token, and of what rank", so the vocabulary here lives in three typed arrays (all token bytes
 * back to back, their offsets, an open-addressing hash table): ~4 MB off the JS heap.
 * The rank data and the pre-split pattern are js-tiktoken's own; the merge rule is tiktoken's
 * (merge the lowest-ranked adjacent pair, leftmost first, until none is a token), so counts are
 * identical (test/unit/skills/o200k.test.ts compares them on the starter skills and odd text).
 * Special-token text (`<|endoftext|>`) is counted as ordinary text.
 */
export interface O200k {
  count(text: string): number;
}

const NONE = 0xffffffff;

export function loadO200k(): O200k {
  const file = createRequire(import.meta.url).resolve('js-tiktoken/ranks/o200k_base');
  // Read as bytes, not `require`d: compiling the 2.3 MB module would leave its text and a copy of
  // the rank string in the heap, for good.
  const { patStr, table } = readRankFile(file);
  const pattern = new RegExp(patStr, 'gu');
  const utf8 = new TextEncoder();
  let scratch = new Uint8Array(256);

  return {
    count(text) {
      let n = 0;
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        const piece = m[0];
        if (piece === '') {
          pattern.lastIndex++; // never the case for o200k's pattern; guards the loop all the same
          continue;
        }
        if (piece.length * 3 > scratch.length) scratch = new Uint8Array(piece.length * 3);
        const len = utf8.encodeInto(piece, scratch).written;
        n += table.rank(scratch, 0, len) !== NONE ? 1 : mergeCount(table, scratch, len);
      }
      return n;
    },
  };
}

interface RankTable {
  /** The rank of bytes[from, to) as one token, or NONE. */
  rank(bytes: Uint8Array, from: number, to: number): number;
}

/**
 * Byte-pair merge of one pre-split piece; returns the number of tokens. `starts` holds each part's
 * first byte (plus the end), `pair[i]` the rank of parts i and i+1 joined.
 */
function mergeCount(table: RankTable, bytes: Uint8Array, len: number): number {
  const starts: number[] = [];
  for (let i = 0; i <= len; i++) starts.push(i);
  const pair: number[] = [];
  for (let i = 0; i + 2 <= len; i++) pair.push(table.rank(bytes, i, i + 2));
  const pairRank = (i: number) =>
    i + 2 < starts.length ? table.rank(bytes, starts[i]!, starts[i + 2]!) : NONE;
  while (pair.length > 0) {
    let best = NONE;
    let at = -1;
    for (let i = 0; i < pair.length; i++) {
      if (pair[i]! < best) {
        best = pair[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    pair.splice(at, 1);
    if (at < pair.length) pair[at] = pairRank(at);
    if (at > 0) pair[at - 1] = pairRank(at - 1);
  }
  return starts.length - 1;
}

const B64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++)
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const PAD = 0x3d;
const CHUNK = 64 * 1024;
const RANKS_START = /"bpe_ranks":"\S+ 0 /;

/**
 * js-tiktoken's rank module: `module.exports = {"pat_str":"…","special_tokens":{…},"bpe_ranks":"…"}`
 * where bpe_ranks is `<tag> 0 <base64 token> <base64 token> …`: one line, the tokens in rank order
 * from 0, so a token's rank is its index. The file is read in small chunks twice (count, then
 * fill), decoding base64 straight into the table: nothing the size of the file stays in memory.
 * Any other layout is an error naming the file (and the unit test fails on it).
 */
function readRankFile(file: string): { patStr: string; table: RankTable } {
  const unexpected = (what: string) =>
    new Error(`${file}: ${what}; js-tiktoken changed its rank file format (src/skills/o200k.ts reads it)`);
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const head = chunk.toString('latin1', 0, fs.readSync(fd, chunk, 0, CHUNK, 0));
    const m = RANKS_START.exec(head);
    if (!m) throw unexpected('no "bpe_ranks":"<tag> 0 " in its first 64 KB');
    const pat = /"pat_str":("(?:[^"\\]|\\.)*")/.exec(head);
    if (!pat) throw unexpected('no "pat_str"');
    const patStr = JSON.parse(pat[1]!) as string;
    const first = m.index + m[0].length; // ASCII up to here, so bytes = chars

    // Counts tokens and their bytes; with `out`, also writes them there.
    const scan = (out: { bytes: Uint8Array; offsets: Uint32Array } | null) => {
      let pos = first;
      let bits = 0;
      let nbits = 0;
      let tokens = 0;
      let used = 0;
      let inToken = false;
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, CHUNK, pos);
        if (n === 0) throw unexpected('bpe_ranks does not end');
        for (let i = 0; i < n; i++) {
          const c = chunk[i]!;
          const v = B64[c]!;
          if (v >= 0) {
            inToken = true;
            bits = ((bits << 6) | v) & 0xffffff;
            nbits += 6;
            if (nbits >= 8) {
              nbits -= 8;
              if (out) out.bytes[used] = (bits >> nbits) & 0xff;
              used++;
            }
          } else if (c === PAD) {
            inToken = true;
          } else if (c === SPACE || c === QUOTE) {
            if (inToken) {
              tokens++;
              if (out) out.offsets[tokens] = used;
            }
            bits = nbits = 0;
            inToken = false;
            if (c === QUOTE) return { tokens, used };
          } else {
            throw unexpected(
              c === BACKSLASH ? 'bpe_ranks has more than one line' : 'bpe_ranks is not base64',
            );
          }
        }
        pos += n;
      }
    };
    const size = scan(null);
    if (size.tokens === 0) throw unexpected('bpe_ranks is empty');
    const out = { bytes: new Uint8Array(size.used), offsets: new Uint32Array(size.tokens + 1) };
    scan(out);
    return { patStr, table: hashTable(out.bytes, out.offsets) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Open addressing, load factor ≤ 0.5; a slot holds token index + 1 (0 = empty). The index is the
 * rank; a repeated token keeps its last rank, as js-tiktoken's Map does.
 */
function hashTable(bytes: Uint8Array, offsets: Uint32Array): RankTable {
  const count = offsets.length - 1;
  let size = 1;
  while (size < count * 2) size <<= 1;
  const mask = size - 1;
  const slots = new Uint32Array(size);
  const equal = (t: number, b: Uint8Array, from: number, to: number) => {
    const s = offsets[t]!;
    if (offsets[t + 1]! - s !== to - from) return false;
    for (let k = 0; k < to - from; k++) if (bytes[s + k] !== b[from + k]) return false;
    return true;
  };
  for (let t = 0; t < count; t++) {
    let h = hash(bytes, offsets[t]!, offsets[t + 1]!) & mask;
    while (slots[h] !== 0 && !equal(slots[h]! - 1, bytes, offsets[t]!, offsets[t + 1]!)) h = (h + 1) & mask;
    slots[h] = t + 1;
  }
  return {
    rank(b, from, to) {
      let h = hash(b, from, to) & mask;
      for (let s = slots[h]!; s !== 0; s = slots[h]!) {
        if (equal(s - 1, b, from, to)) return s - 1;
        h = (h + 1) & mask;
      }
      return NONE;
    },
  };
}

/** FNV-1a over a byte range. */
function hash(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}
