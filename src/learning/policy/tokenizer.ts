import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

/** A model's own tokenizer and chat template, as the policy was trained with them. */
export interface PolicyTokenizer {
  /** Text → ids, adding no special tokens of its own (the chat template already wrote them). */
  encode(text: string): number[];
  /** Ids → text, keeping special tokens (`<think>`, `<tool_call>` are markers the parser needs). */
  decode(ids: number[]): string;
  tokenId(token: string): number | undefined;
  /** Render `messages` with the model's chat template (jinja), as `apply_chat_template(tokenize=False)`. */
  renderChat(context: ChatTemplateContext): string;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  /** Where the files came from, for messages. */
  readonly source: string;
}

export interface ChatTemplateContext {
  messages: Record<string, unknown>[];
  tools?: Record<string, unknown>[];
  addGenerationPrompt: boolean;
  /** Extra template variables (`enable_thinking` …), as vLLM's `chat_template_kwargs`. */
  extra?: Record<string, unknown>;
}

export class TokenizerLoadError extends Error {
  readonly code = 'tokenizer_load_failed';
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerLoadError';
  }
}

export interface TokenizerSource {
  /** A folder with tokenizer.json + tokenizer_config.json; used as is, never written to. */
  dir?: string;
  /** Hub repo id, downloaded into `cacheDir/<modelId>/` when not cached yet. */
  modelId?: string;
  hubUrl?: string;
  cacheDir?: string;
  /** Hub token for gated repos (HF_TOKEN); sent only to hubUrl. */
  hubToken?: string;
  fetchFn?: typeof fetch;
}

const REQUIRED = ['tokenizer.json', 'tokenizer_config.json'] as const;
/** Newer repos keep the template in its own file instead of tokenizer_config.json. */
const OPTIONAL_TEMPLATE = 'chat_template.jinja';

/** Load from the configured folder, or from the download cache (downloading once if needed). */
export async function loadPolicyTokenizer(src: TokenizerSource): Promise<PolicyTokenizer> {
  let dir: string;
  if (src.dir) dir = src.dir;
  else if (src.modelId && src.cacheDir) dir = await ensureDownloaded(src);
  else throw new TokenizerLoadError('no tokenizer source: set serving.policy.tokenizer_dir or model_id');
  return fromFolder(dir);
}

async function fromFolder(dir: string): Promise<PolicyTokenizer> {
  const tokenizerJson = await readJson(path.join(dir, 'tokenizer.json'));
  const config = await readJson(path.join(dir, 'tokenizer_config.json'));
  if (config.chat_template === undefined) {
    const file = path.join(dir, OPTIONAL_TEMPLATE);
    config.chat_template = await fs.readFile(file, 'utf8').catch(() => undefined);
  }
  return buildTokenizer(tokenizerJson, config, dir);
}

/** Build from parsed tokenizer.json + tokenizer_config.json objects. */
export function buildTokenizer(
  tokenizerJson: Record<string, unknown>,
  config: Record<string, unknown>,
  source: string,
): PolicyTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokenizerJson, config);
  } catch (err) {
    throw new TokenizerLoadError(
      `${source}/tokenizer.json is not a usable tokenizer: ${(err as Error).message}`,
    );
  }
  const templates = chatTemplates(config.chat_template, source);
  const parsed = new Map<string, Template>();
  const template = (name: string): Template => {
    let t = parsed.get(name);
    if (!t) {
      try {
        t = new Template(templates.get(name)!);
      } catch (err) {
        throw new TokenizerLoadError(
          `${source}: chat template "${name}" does not parse: ${(err as Error).message}`,
        );
      }
      parsed.set(name, t);
    }
    return t;
  };
  template('default');
  const bosToken = tokenText(config.bos_token);
  const eosToken = tokenText(config.eos_token);
  const specials: Record<string, unknown> = {};
  for (const k of ['bos_token', 'eos_token', 'pad_token', 'unk_token'])
    specials[k] = tokenText(config[k]) ?? '';
  // Most configs set this false; the library's default (true) would rewrite " ." into ".".
  const cleanUp = config.clean_up_tokenization_spaces === true;
  return {
    source,
    bosToken,
    eosToken,
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    // The library refuses an empty list; a reply that is only a stop token decodes to ''.
    decode: (ids) =>
      ids.length === 0
        ? ''
        : tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: cleanUp }),
    tokenId: (t) => tok.token_to_id(t),
    renderChat(ctx) {
      const name = ctx.tools?.length && templates.has('tool_use') ? 'tool_use' : 'default';
      return template(name).render({
        ...specials,
        ...ctx.extra,
        messages: ctx.messages,
        tools: ctx.tools?.length ? ctx.tools : undefined,
        add_generation_prompt: ctx.addGenerationPrompt,
      });
    },
  };
}

/** `chat_template` is a string, or a list of named templates (`default`, `tool_use`). */
function chatTemplates(raw: unknown, source: string): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof raw === 'string') out.set('default', raw);
  else if (Array.isArray(raw)) {
    for (const t of raw as { name?: unknown; template?: unknown }[]) {
      if (typeof t?.name === 'string' && typeof t.template === 'string') out.set(t.name, t.template);
    }
  }
  if (!out.has('default')) {
    throw new TokenizerLoadError(
      `${source}: no chat template (tokenizer_config.json has no chat_template and there is no ${OPTIONAL_TEMPLATE})`,
    );
  }
  return out;
}

/** Special tokens are written either as strings or as AddedToken objects `{content: …}`. */
function tokenText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return null;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new TokenizerLoadError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new TokenizerLoadError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The cache folder for a repo, with every required file present (downloaded now if missing). */
async function ensureDownloaded(src: TokenizerSource): Promise<string> {
  const dir = path.join(src.cacheDir!, ...src.modelId!.split('/'));
  const hub = (src.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const fetchFn = src.fetchFn ?? fetch;
  await fs.mkdir(dir, { recursive: true });
  for (const file of REQUIRED) {
    if (await exists(path.join(dir, file))) continue;
    await download(
      fetchFn,
      `${hub}/${src.modelId}/resolve/main/${file}`,
      path.join(dir, file),
      src.hubToken,
      true,
    );
  }
  const config = await readJson(path.join(dir, 'tokenizer_config.json'));
  const templateFile = path.join(dir, OPTIONAL_TEMPLATE);
  if (config.chat_template === undefined && !(await exists(templateFile))) {
    const url = `${hub}/${src.modelId}/resolve/main/${OPTIONAL_TEMPLATE}`;
    await download(fetchFn, url, templateFile, src.hubToken, false);
  }
  return dir;
}

/** Download to a temp file, then rename: a crash never leaves a half-written file that looks cached. */
async function download(
  fetchFn: typeof fetch,
  url: string,
  dest: string,
  token: string | undefined,
  required: boolean,
): Promise<void> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      redirect: 'follow',
    });
  } catch (err) {
    throw new TokenizerLoadError(`cannot download ${url}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    if (!required && res.status === 404) return;
    const hint =
      res.status === 401 || res.status === 403
        ? ' (gated or private repo: accept its licence on the hub and set HF_TOKEN)'
        : res.status === 404
          ? ' (check serving.policy.model_id)'
          : '';
    throw new TokenizerLoadError(`cannot download ${url}: HTTP ${res.status}${hint}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (dest.endsWith('.json')) {
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      throw new TokenizerLoadError(`${url} did not return JSON (is serving.policy.hub_url a model hub?)`);
    }
  }
  const tmp = `${dest}.${randomUUID()}.tmp`;
  await fs.writeFile(tmp, body);
  await fs.rename(tmp, dest);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
