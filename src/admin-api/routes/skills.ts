import { HttpError, sendJson } from '../../server/http-util.js';
import type { Route } from '../../server/router.js';
import { type SkillDocument, SkillFormatError, validateSkill } from '../../skills/format.js';
import { EvolutionRepository } from '../../store/evolutions.js';
import type { AppliedChange, SkillOp } from '../../store/skill-repository.js';
import { SkillStatsRepository, type SkillStatusFilter } from '../../store/skill-stats.js';
import type { ActionResult, ListResponse, RollbackResult, SkillListItem } from '../contract.js';
import type { AdminApiDeps } from '../deps.js';
import { intParam, jsonObject, optionalString, pageParams } from './input.js';
import { skillDetail, skillDiff, skillListItem } from './skill-views.js';

const STATUSES: readonly SkillStatusFilter[] = ['active', 'retired', 'all'];

/**
 * Skills view of the dashboard: list, detail, diff between revisions, and the actions a person
 * takes (edit, pin, retire, roll the library back). Every action is one new library generation,
 * so the proxy serves it from the next request and the change is in the generation history.
 * Pinned (metadata.pinned): always offered to injection ahead of retrieval, and the evolver may
 * not retire it (it may still refine its text; the pin survives such an update).
 */
export function skillRoutes(d: AdminApiDeps): Route[] {
  const library = d.skills.library;
  const stats = new SkillStatsRepository(d.db);
  const evolutions = new EvolutionRepository(d.db);
  // Every new generation, whoever made it (these actions, an evolution, a folder edit, the CLI),
  // is a `generation` event: the library tells its listeners once the swap is live.
  library.onChange((snap) => {
    const [g] = library.repo.generations(1);
    const cause = g?.number === snap.generation ? g.cause : 'unknown';
    d.events.publish('generation', { generation: snap.generation, cause });
  });
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({
    method,
    path,
    auth: true,
    errorShape: 'openai',
    handler,
  });

  const item = (name: string, withBody = false) => {
    const row = stats.row(name);
    if (!row) throw new HttpError(404, `no skill ${name}`, 'not_found_error');
    const [rev] = library.repo.revisionsByIds([row.revisionId]);
    return { row, rev: rev!, item: skillListItem(rev!, row, stats.usage([name]).get(name), withBody) };
  };

  /** The live revision of `name`: 404 when unknown, 409 when retired (edit or pin would revive it). */
  const live = (name: string) => {
    const r = library.current().byName.get(name);
    if (r) return r;
    if (stats.row(name))
      throw new HttpError(
        409,
        `skill ${name} is retired; roll back to a generation that has it to restore it`,
        'conflict_error',
      );
    throw new HttpError(404, `no skill ${name}`, 'not_found_error');
  };

  const result = (applied: AppliedChange | null, changed: string, unchanged: string): ActionResult => {
    const generation = applied?.generation.number ?? library.current().generation;
    return { ok: true, generation, message: applied ? `${changed} (generation ${generation})` : unchanged };
  };

  const put = (doc: SkillDocument, detail: string): AppliedChange | null => {
    let valid: SkillDocument;
    try {
      valid = validateSkill(doc);
    } catch (err) {
      if (err instanceof SkillFormatError) throw new HttpError(400, `not a valid skill: ${err.message}`);
      throw err;
    }
    const op: SkillOp = { op: 'put', doc: valid, provenance: { origin: 'manual', source: 'admin API' } };
    return library.apply([op], 'manual', detail);
  };

  return [
    route('GET', '/v1/admin/skills', ({ res, url }) => {
      const { limit, offset } = pageParams(url);
      const status = (url.searchParams.get('status') || 'active') as SkillStatusFilter;
      if (!STATUSES.includes(status))
        throw new HttpError(
          400,
          `status must be one of ${STATUSES.join(', ')}`,
          'invalid_request_error',
          'status',
        );
      const withBody = url.searchParams.get('body') === '1' || url.searchParams.get('body') === 'true';
      const page = stats.page({ q: url.searchParams.get('q') ?? undefined, status, limit, offset });
      const revs = new Map(
        library.repo.revisionsByIds(page.rows.map((r) => r.revisionId)).map((r) => [r.id, r]),
      );
      const usage = stats.usage(page.rows.map((r) => r.name));
      const data = page.rows.map((row) =>
        skillListItem(revs.get(row.revisionId)!, row, usage.get(row.name), withBody),
      );
      // `generation` and the skills status fields: what the older route answered, kept for its callers.
      const body: ListResponse<SkillListItem> & Record<string, unknown> = {
        object: 'list',
        data,
        total: page.total,
        generation: library.current().generation,
        ...d.skills.status(),
      };
      sendJson(res, 200, body);
    }),
    route('GET', '/v1/admin/skills/:name', ({ res, params }) => {
      const { rev, item: it } = item(params.name!);
      sendJson(res, 200, skillDetail(it, rev, library.repo, evolutions));
    }),
    route('GET', '/v1/admin/skills/:name/diff', ({ res, params, url }) => {
      const name = params.name!;
      const history = library.repo.history(name);
      if (history.length === 0) throw new HttpError(404, `no skill ${name}`, 'not_found_error');
      const latest = history.at(-1)!.revision;
      const q = (k: string) => url.searchParams.get(k);
      const to = q('to') === null ? latest : intParam(q('to'), 'to', 1);
      const from = q('from') === null ? Math.max(1, to - 1) : intParam(q('from'), 'from', 1);
      const rev = (n: number) => {
        const r = history.find((h) => h.revision === n);
        if (!r)
          throw new HttpError(
            404,
            `skill ${name} has no revision ${n} (revisions 1–${latest})`,
            'not_found_error',
          );
        return r;
      };
      sendJson(res, 200, skillDiff(name, rev(from), rev(to)));
    }),
    route('POST', '/v1/admin/skills/:name', async ({ req, res, params }) => {
      const body = await jsonObject(req);
      const text = body.text;
      if (typeof text !== 'string' || text.trim() === '')
        throw new HttpError(
          400,
          'text (the skill body, markdown) is required and must not be empty',
          'invalid_request_error',
          'text',
        );
      const max = d.loaded.config.skills.max_file_bytes;
      if (Buffer.byteLength(text) > max)
        throw new HttpError(
          400,
          `text is over skills.max_file_bytes (${max} bytes)`,
          'invalid_request_error',
          'text',
        );
      const description = optionalString(body, 'description');
      const cur = live(params.name!);
      const fm = { ...cur.frontmatter, ...(description !== undefined ? { description } : {}) };
      const applied = put({ frontmatter: fm, body: text }, `edit ${cur.name} (admin API)`);
      sendJson(res, 200, result(applied, `edited ${cur.name}`, `${cur.name} unchanged`));
    }),
    route('POST', '/v1/admin/skills/:name/pin', async ({ req, res, params }) => {
      const body = await jsonObject(req);
      if (typeof body.pinned !== 'boolean')
        throw new HttpError(400, 'pinned must be true or false', 'invalid_request_error', 'pinned');
      const cur = live(params.name!);
      const metadata = { ...((cur.frontmatter.metadata ?? {}) as Record<string, unknown>) };
      // Spec-compliant string value; unpinning drops the key instead of writing "false".
      if (body.pinned) metadata.pinned = 'true';
      else delete metadata.pinned;
      const { metadata: _old, ...rest } = cur.frontmatter;
      const fm = Object.keys(metadata).length > 0 ? { ...rest, metadata } : rest;
      const verb = body.pinned ? 'pinned' : 'unpinned';
      const applied = put({ frontmatter: fm, body: cur.body }, `${verb} ${cur.name} (admin API)`);
      sendJson(res, 200, result(applied, `${verb} ${cur.name}`, `${cur.name} already ${verb}`));
    }),
    route('POST', '/v1/admin/skills/:name/retire', ({ res, params }) => {
      const cur = live(params.name!);
      const applied = library.apply(
        [{ op: 'remove', name: cur.name }],
        'manual',
        `retire ${cur.name} (admin API)`,
      );
      sendJson(res, 200, result(applied, `retired ${cur.name}`, `${cur.name} already retired`));
    }),
    route('POST', '/v1/admin/generations/:number/rollback', ({ res, params }) => {
      const n = intParam(params.number, 'number');
      const current = library.repo.currentGeneration();
      if (n > current)
        throw new HttpError(404, `no generation ${n} (the newest is ${current})`, 'not_found_error');
      const applied = library.rollback(n);
      const r = result(
        applied,
        `restored generation ${n}'s skills`,
        `generation ${n}'s skills are already live`,
      );
      const body: RollbackResult = { ...r, restored: n };
      sendJson(res, 200, body);
    }),
  ];
}
