import fs from 'node:fs';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { resolveUnderHome } from '../config/paths.js';
import type { Route } from '../server/router.js';
import type { Db } from '../store/db.js';
import { SkillRepository } from '../store/skill-repository.js';
import { injectorOptions, skillAdminRoutes } from './admin.js';
import { BlockComposer, o200kCounter, type TokenCounter } from './budget.js';
import { type Embedder, EmbeddingIndex, HttpEmbedder } from './embeddings.js';
import { scanFolder } from './folder.js';
import { SkillInjector } from './inject.js';
import { SkillLibrary } from './library.js';

export interface SkillsRuntime {
  library: SkillLibrary;
  /** Null when `skills.enabled` is false: the proxy keeps its no-op injector. */
  injector: SkillInjector | null;
  embeddings: EmbeddingIndex | null;
  routes: Route[];
  /** Load the library, reconcile the folder, start watching. Call before serving. */
  start(): void;
  stop(): void;
  status(): Record<string, unknown>;
}

export function skillsDir(loaded: LoadedConfig): string {
  return resolveUnderHome(loaded.home, loaded.config.skills.dir);
}

export interface SkillsDeps {
  loaded: LoadedConfig;
  db: Db;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Tests substitute a local embedder; default: the configured HTTP endpoint. */
  embedder?: Embedder;
  tokenCounter?: TokenCounter;
}

/**
 * Builds the skill library, injector, admin routes and the two ways the service notices changes
 * made elsewhere: a folder watcher (hand edits → a `sync` generation) and a cheap poll of
 * `MAX(generations.number)` (change sets committed by the CLI or another process).
 */
export function createSkills(d: SkillsDeps): SkillsRuntime {
  const cfg = d.loaded.config.skills;
  const dir = skillsDir(d.loaded);
  const log = d.log.child({ component: 'skills' });
  const repo = new SkillRepository(d.db);
  const library = new SkillLibrary(repo, { dir, log, maxFileBytes: cfg.max_file_bytes });
  const embedder = d.embedder ?? httpEmbedder(d.loaded, d.env ?? process.env);
  const embeddings =
    cfg.enabled && cfg.retrieval !== 'lexical' && embedder
      ? new EmbeddingIndex(embedder, repo, { batchSize: cfg.embedding.batch_size, log })
      : null;
  let composer: BlockComposer | null = null;
  let injector: SkillInjector | null = null;
  let poll: NodeJS.Timeout | null = null;
  let watcher: fs.FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let warmQueue: { id: number; name: string; description: string; body: string }[] = [];

  // Token counts for new revisions are computed off the request path, a slice at a time.
  const warm = () => {
    const c = composer;
    if (!c) return;
    const slice = warmQueue.splice(0, 50);
    for (const r of slice) c.prepare(r.id, r.name, r.description, r.body);
    if (warmQueue.length > 0) setImmediate(warm);
  };
  library.onChange((_snap, added) => {
    const first = warmQueue.length === 0;
    warmQueue.push(...added);
    if (first) setImmediate(warm);
    if (embeddings) embeddings.track(library.current(), added);
  });

  const safe = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      log.error({ err }, `skills: ${what} failed`);
    }
  };

  if (cfg.enabled) {
    composer = new BlockComposer(d.tokenCounter ?? o200kCounter());
    injector = new SkillInjector(library, composer, embeddings, injectorOptions(cfg));
  }

  const status = () => ({
    skills_enabled: cfg.enabled,
    skills_dir: dir,
    retrieval: cfg.retrieval,
    embedded: embeddings?.size ?? null,
    embedding_error: embeddings?.lastError ?? null,
  });

  return {
    library,
    injector,
    embeddings,
    routes: skillAdminRoutes(library, injector),
    status,
    start() {
      library.load();
      if (!cfg.enabled) return;
      // An empty or missing folder is re-created from the store, never read as "delete all".
      if (scanFolder(dir).skills.size === 0 && library.current().byName.size > 0) {
        fs.mkdirSync(dir, { recursive: true });
        library.mirrorAll();
      } else {
        safe('initial folder sync', () => library.sync());
      }
      // Build the token counter (~0.2–0.3 s) before serving when there is something to inject.
      if (library.current().size > 0) composer?.warm();
      poll = setInterval(() => safe('store poll', () => library.refresh()), cfg.poll_ms);
      poll.unref();
      if (cfg.watch) {
        fs.mkdirSync(dir, { recursive: true });
        try {
          watcher = fs.watch(dir, { recursive: true }, (_event, file) => {
            // Our own temp files and the .retired folder are not edits.
            if (
              file &&
              String(file)
                .split(/[\\/]/)
                .some((p) => p.startsWith('.'))
            )
              return;
            if (debounce) clearTimeout(debounce);
            debounce = setTimeout(() => safe('folder sync', () => library.sync()), 250);
            debounce.unref();
          });
          watcher.on('error', (err) =>
            log.warn({ err }, 'skills folder watcher stopped; run `metaclaw skills sync` after edits'),
          );
        } catch (err) {
          log.warn({ err }, 'cannot watch the skills folder; run `metaclaw skills sync` after edits');
        }
      }
    },
    stop() {
      if (poll) clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      watcher?.close();
      embeddings?.stop();
      warmQueue = [];
    },
  };
}

function httpEmbedder(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Embedder | null {
  const e = loaded.config.skills.embedding;
  if (!e.base_url) return null;
  const apiKey = e.api_key ?? (e.api_key_env ? env[e.api_key_env] : undefined);
  return new HttpEmbedder({
    baseUrl: e.base_url,
    apiKey,
    model: e.model,
    dimensions: e.dimensions,
    timeoutMs: e.timeout_ms,
  });
}
