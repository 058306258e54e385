/**
 * Splitting a JSON request into content-addressable parts, and the manifests that put it back
 * together byte for byte. Pure functions; the SQL is in turn-parts.ts.
 *
 * A request `{"model":…,"messages":[m1,m2,…],"tools":[t1,…],"system":"…"}` becomes the skeleton
 * `{"model":…,"messages":[\x01,\x01,…],"tools":[\x01,…],"system":\x01}` plus the parts m1, m2, …,
 * t1, …, the system text. Parts are substrings of the original text, so joining them into the
 * skeleton gives back the exact bytes the client sent (whitespace, key order, escapes included).
 * The next call of the same session repeats all of them but its new messages, so it stores only
 * those and a manifest of part ids. Works the same for all three protocols: it follows the JSON
 * shape, not a protocol's field names.
 */

/** Stands for one part in a skeleton. Never occurs in JSON text (control characters must be escaped). */
export const HOLE = '\u0001';
/** Top-level values shorter than this stay in the skeleton ("model", "stream", small settings). */
export const MIN_PART_CHARS = 48;
/**
 * Array elements (messages, tools, system blocks) become parts from this length: a short message
 * is repeated by every later call of its session, so even a small one is cheaper as a 1–2 byte
 * reference than inline in each skeleton.
 */
export const MIN_ELEMENT_CHARS = 8;

export interface SplitJson {
  skeleton: string;
  parts: string[];
}

/**
 * Split a top-level JSON object: each element of a top-level array value, and each other
 * top-level value, at least MIN_PART_CHARS long becomes a part. Anything else (not an object,
 * malformed, containing the HOLE character) is one part with skeleton HOLE, so nothing is lost.
 */
export function splitJson(text: string): SplitJson {
  const whole = { skeleton: HOLE, parts: [text] };
  if (text.includes(HOLE)) return whole;
  // Parts are contiguous slices and the skeleton is everything between them, so joining gives
  // the text back by construction (the text has no HOLE); a scan error only means "don't split".
  try {
    return scanObject(text) ?? whole;
  } catch {
    return whole;
  }
}

/** Put the parts back into the skeleton's holes, in order. */
export function joinJson(skeleton: string, parts: readonly string[]): string {
  if (skeleton === HOLE) return parts[0] ?? '';
  const pieces = skeleton.split(HOLE);
  if (pieces.length !== parts.length + 1) throw new Error('turn manifest does not match its parts');
  let out = pieces[0]!;
  for (let i = 0; i < parts.length; i++) out += parts[i]! + pieces[i + 1]!;
  return out;
}

function scanObject(text: string): SplitJson | null {
  const parts: string[] = [];
  let skeleton = '';
  let last = 0;
  const cut = (a: number, b: number) => {
    skeleton += text.slice(last, a) + HOLE;
    parts.push(text.slice(a, b));
    last = b;
  };
  let i = skipWs(text, 0);
  if (text[i] !== '{') return null;
  i = skipWs(text, i + 1);
  if (text[i] === '}') return null;
  for (;;) {
    if (text[i] !== '"') return null;
    i = skipWs(text, skipString(text, i));
    if (text[i] !== ':') return null;
    i = skipWs(text, i + 1);
    if (text[i] === '[') {
      i = skipWs(text, i + 1);
      if (text[i] === ']') i++;
      else {
        for (;;) {
          const end = skipValue(text, i);
          if (end - i >= MIN_ELEMENT_CHARS) cut(i, end);
          i = skipWs(text, end);
          if (text[i] === ',') i = skipWs(text, i + 1);
          else if (text[i] === ']') {
            i++;
            break;
          } else return null;
        }
      }
    } else {
      const end = skipValue(text, i);
      if (end - i >= MIN_PART_CHARS) cut(i, end);
      i = end;
    }
    i = skipWs(text, i);
    if (text[i] === ',') i = skipWs(text, i + 1);
    else if (text[i] === '}') break;
    else return null;
  }
  skeleton += text.slice(last);
  return { skeleton, parts };
}

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else return i;
  }
}

/** Index just past the string starting at `i` (which is a quote). */
function skipString(s: string, i: number): number {
  for (let j = i + 1; ; ) {
    const q = s.indexOf('"', j);
    if (q < 0) throw new Error('unterminated string');
    let bs = 0;
    for (let k = q - 1; s.charCodeAt(k) === 92; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the JSON value starting at `i`. */
function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; ) {
      const d = s.charCodeAt(j);
      if (d === 34) j = skipString(s, j);
      else {
        if (d === 123 || d === 91) depth++;
        else if (d === 125 || d === 93) {
          depth--;
          if (depth === 0) return j + 1;
        }
        j++;
      }
    }
    throw new Error('unterminated value');
  }
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
    j++;
  }
  if (j === i) throw new Error('empty value');
  return j;
}

// Manifests: kind byte, part ids as zig-zag varint deltas (a session's new parts get consecutive
// ids, so most take one byte), then the skeleton's UTF-8 bytes.
const FULL = 1;
/** As sent, against as received: shared prefix/suffix lengths and what lies between, for ids and skeleton. */
const DELTA = 2;

export interface Manifest {
  ids: number[];
  skeleton: string;
}

export function encodeManifest(m: Manifest): Buffer {
  const out: number[] = [FULL];
  writeIds(out, m.ids);
  return Buffer.concat([Buffer.from(out), Buffer.from(m.skeleton, 'utf8')]);
}

/** Encode `m` as a change of `base`; smaller than a full manifest when most parts are shared. */
export function encodeDelta(m: Manifest, base: Manifest): Buffer {
  const max = Math.min(m.ids.length, base.ids.length);
  let pre = 0;
  while (pre < max && m.ids[pre] === base.ids[pre]) pre++;
  let suf = 0;
  while (suf < max - pre && m.ids[m.ids.length - 1 - suf] === base.ids[base.ids.length - 1 - suf]) suf++;
  const out: number[] = [DELTA];
  writeVarint(out, pre);
  writeVarint(out, suf);
  writeIds(out, m.ids.slice(pre, m.ids.length - suf));
  // The skeleton as a change too: usually identical, or one more hole for an injected block.
  const a = m.skeleton;
  const b = base.skeleton;
  const most = Math.min(a.length, b.length);
  let sp = 0;
  while (sp < most && a.charCodeAt(sp) === b.charCodeAt(sp)) sp++;
  let ss = 0;
  while (ss < most - sp && a.charCodeAt(a.length - 1 - ss) === b.charCodeAt(b.length - 1 - ss)) ss++;
  // Never cut a surrogate pair: the middle is stored as UTF-8.
  if (sp > 0 && isHigh(a.charCodeAt(sp - 1))) sp--;
  if (ss > 0 && isLow(a.charCodeAt(a.length - ss))) ss--;
  writeVarint(out, sp);
  writeVarint(out, ss);
  return Buffer.concat([Buffer.from(out), Buffer.from(a.slice(sp, a.length - ss), 'utf8')]);
}

/** Decode a manifest; a delta needs the manifest it was made against. */
export function decodeManifest(buf: Uint8Array, base?: Manifest): Manifest {
  const r = { buf, pos: 1 };
  if (buf[0] === FULL) {
    const ids = readIds(r);
    return { ids, skeleton: Buffer.from(buf.subarray(r.pos)).toString('utf8') };
  }
  if (buf[0] !== DELTA || !base) throw new Error('unknown turn manifest');
  const pre = readVarint(r);
  const suf = readVarint(r);
  const mid = readIds(r);
  const sp = readVarint(r);
  const ss = readVarint(r);
  const b = base.skeleton;
  return {
    ids: [...base.ids.slice(0, pre), ...mid, ...base.ids.slice(base.ids.length - suf)],
    skeleton: b.slice(0, sp) + Buffer.from(buf.subarray(r.pos)).toString('utf8') + b.slice(b.length - ss),
  };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function writeIds(out: number[], ids: readonly number[]): void {
  writeVarint(out, ids.length);
  let prev = 0;
  for (const id of ids) {
    const d = id - prev;
    writeVarint(out, d >= 0 ? d * 2 : -d * 2 - 1);
    prev = id;
  }
}

function readIds(r: { buf: Uint8Array; pos: number }): number[] {
  const n = readVarint(r);
  const ids = new Array<number>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const z = readVarint(r);
    prev += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    ids[i] = prev;
  }
  return ids;
}

function writeVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(r: { buf: Uint8Array; pos: number }): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = r.buf[r.pos++];
    if (b === undefined) throw new Error('truncated turn manifest');
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 0x80;
  }
}
