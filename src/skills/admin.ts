import { HttpError, sendJson } from '../server/http-util.js';
import type { Route } from '../server/router.js';
import type { SkillLibrary } from './library.js';
import type { SkillRevision } from './repository.js';

/** The JSON view of a revision shared by the admin API and `skills list --json`. */
export function revisionView(r: SkillRevision, withBody = false) {
  return {
    name: r.name,
    description: r.description,
    revision_id: r.id,
    revision: r.revision,
    generation: r.generation,
    category: r.meta.category,
    tags: r.meta.tags,
    origin: r.meta.origin ?? r.provenance?.origin ?? null,
    pinned: r.meta.pinned,
    helpful: r.helpful,
    harmful: r.harmful,
    created_at: r.createdAt,
    ...(withBody ? { frontmatter: r.frontmatter, body: r.body, provenance: r.provenance } : {}),
  };
}

/** Read-only admin API over the skill library: what is live now and how it got there. */
export function skillAdminRoutes(library: SkillLibrary, status: () => Record<string, unknown>): Route[] {
  const route = (path: string, handler: Route['handler']): Route => ({
    method: 'GET',
    path,
    auth: true,
    errorShape: 'openai',
    handler,
  });
  return [
    route('/v1/admin/skills', ({ res, url }) => {
      const snap = library.current();
      const withBody = url.searchParams.get('body') === '1' || url.searchParams.get('body') === 'true';
      const data = [...snap.byName.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((r) => revisionView(r, withBody));
      sendJson(res, 200, { object: 'list', generation: snap.generation, data, ...status() });
    }),
    route('/v1/admin/skills/:name', ({ res, params }) => {
      const history = library.repo.history(params.name!);
      if (history.length === 0) throw new HttpError(404, `no skill ${params.name}`, 'not_found_error');
      const active = library.current().byName.get(params.name!) ?? null;
      sendJson(res, 200, {
        active: active ? revisionView(active, true) : null,
        history: history.map((h) => ({ ...revisionView(h, true), spans: h.spans })),
      });
    }),
    route('/v1/admin/generations', ({ res }) => {
      const snap = library.current();
      const data = library.repo
        .generations()
        .map((g) => ({ number: g.number, cause: g.cause, detail: g.detail, created_at: g.createdAt }));
      sendJson(res, 200, { object: 'list', current: snap.generation, data });
    }),
    route('/v1/admin/generations/:number', ({ res, params }) => {
      const n = Number(params.number);
      if (!Number.isInteger(n) || n < 0 || n > library.repo.currentGeneration())
        throw new HttpError(404, `no generation ${params.number}`, 'not_found_error');
      sendJson(res, 200, { number: n, skills: library.repo.members(n).map((r) => revisionView(r)) });
    }),
  ];
}
