import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type {
  ActionResult,
  SkillDetail as Detail,
  RollbackResult,
  SkillDiff,
} from '../../../src/admin-api/contract';
import { apiPost, qs, useApi } from '../api';
import { Badge, ConfirmButton, ErrorBox, JsonBlock, Loading } from '../components/common';
import { DiffLines } from '../components/DiffLines';
import { fmtReward, fmtTime, rewardClass, shortId } from '../format';
import { useLiveReload } from '../live';
import { Link } from '../router';

export function SkillDetail({ name }: { name: string }): JSX.Element {
  const base = `/v1/admin/skills/${encodeURIComponent(name)}`;
  const api = useApi<Detail>(base);
  useLiveReload(['generation'], api.reload);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const s = api.data;
  const act = async (p: Promise<ActionResult>) => {
    const r = await p;
    setNotice(r.message);
    api.reload();
  };
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/skills">Skills</Link> / <span>{name}</span>
      </nav>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {!s ? (
        !api.error && <Loading what="skill" />
      ) : (
        <>
          <header class="view-head">
            <h1>
              {s.name} {s.pinned && <Badge kind="pinned">pinned</Badge>}{' '}
              {s.status === 'retired' && <Badge kind="muted">retired</Badge>}
            </h1>
            <div class="actions">
              <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
                {editing ? 'Close editor' : 'Edit'}
              </button>
              <ConfirmButton
                label={s.pinned ? 'Unpin' : 'Pin'}
                question={s.pinned ? 'Unpin this skill?' : 'Pin: always inject this skill?'}
                onConfirm={() => act(apiPost<ActionResult>(`${base}/pin`, { pinned: !s.pinned }))}
              />
              {s.status === 'active' && (
                <ConfirmButton
                  danger
                  label="Retire"
                  question="Retire this skill? A new generation stops injecting it."
                  onConfirm={() => act(apiPost<ActionResult>(`${base}/retire`))}
                />
              )}
            </div>
          </header>
          <p class="muted">{s.description}</p>
          <dl class="facts">
            <dt>injected</dt>
            <dd>{s.injected} turns</dd>
            <dt>helpful / harmful</dt>
            <dd>
              <span class="good">{s.helpful}</span> / <span class="bad">{s.harmful}</span>
            </dd>
            <dt>mean reward with it</dt>
            <dd class={rewardClass(s.mean_reward_with)}>{fmtReward(s.mean_reward_with)}</dd>
            <dt>without it (same generations)</dt>
            <dd class={rewardClass(s.mean_reward_without)}>{fmtReward(s.mean_reward_without)}</dd>
            <dt>added in generation</dt>
            <dd>{s.generation_added}</dd>
            <dt>revision</dt>
            <dd>{s.revision}</dd>
          </dl>
          {editing ? (
            <Editor
              initial={s.text}
              onSave={async (text) => {
                await act(apiPost<ActionResult>(base, { text }));
                setEditing(false);
              }}
            />
          ) : (
            <section>
              <h2>Text</h2>
              <pre class="text skill-text">{s.text}</pre>
            </section>
          )}
          <Provenance s={s} />
          <Revisions key={s.revisions.length} s={s} base={base} onRollback={(gen) => act(rollback(gen))} />
        </>
      )}
    </>
  );
}

function rollback(generation: number): Promise<RollbackResult> {
  return apiPost<RollbackResult>(`/v1/admin/generations/${generation}/rollback`);
}

function Editor({ initial, onSave }: { initial: string; onSave: (text: string) => Promise<void> }) {
  const [text, setText] = useState(initial);
  return (
    <section>
      <h2>
        <label for="skill-editor">Edit text</label>
      </h2>
      <textarea
        id="skill-editor"
        class="editor"
        rows={16}
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
      />
      <ConfirmButton
        label="Save as new revision"
        question="Save? The next request uses a new library generation."
        onConfirm={() => onSave(text)}
      />
    </section>
  );
}

function Provenance({ s }: { s: Detail }): JSX.Element {
  const p = s.provenance;
  return (
    <section>
      <h2>Provenance</h2>
      {p.evolution_id === null ? (
        <p class="muted">Not made by an evolution (starter, imported or hand-written).</p>
      ) : (
        <p>
          Made by <Link href={`/evolutions/${p.evolution_id}`}>evolution #{p.evolution_id}</Link> from{' '}
          {p.support_turn_ids.length} turn{p.support_turn_ids.length === 1 ? '' : 's'}:{' '}
          {p.support_turn_ids.map((id) => (
            <Link key={id} href={`/turns/${encodeURIComponent(id)}`} class="mono chip">
              {shortId(id)}
            </Link>
          ))}
        </p>
      )}
      {p.verification !== null && (
        <details>
          <summary>Verification results</summary>
          <JsonBlock value={p.verification} label="verification" />
        </details>
      )}
    </section>
  );
}

function Revisions(props: { s: Detail; base: string; onRollback: (generation: number) => Promise<void> }) {
  const revs = props.s.revisions;
  const newest = revs.reduce((m, r) => Math.max(m, r.revision), 0);
  const [from, setFrom] = useState(Math.max(1, newest - 1));
  const [to, setTo] = useState(newest);
  // Rolling back to the generation that is live already would change nothing.
  const gens = useApi<{ current: number }>('/v1/admin/generations');
  useLiveReload(['generation'], gens.reload);
  const current = gens.data?.current ?? null;
  return (
    <section>
      <h2>Revisions</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">rev</th>
              <th scope="col">generation</th>
              <th scope="col">when</th>
              <th scope="col">why</th>
              <th scope="col">action</th>
            </tr>
          </thead>
          <tbody>
            {revs.map((r) => (
              <tr key={r.revision}>
                <td>
                  {r.revision} {r.status !== 'active' && <Badge kind="muted">{r.status}</Badge>}
                </td>
                <td>{r.generation}</td>
                <td>{fmtTime(r.created_at)}</td>
                <td>
                  {r.evolution_id !== null && (
                    <Link href={`/evolutions/${r.evolution_id}`}>#{r.evolution_id}</Link>
                  )}{' '}
                  {r.reason ?? ''}
                </td>
                <td>
                  {r.generation === current ? (
                    <span class="muted">live</span>
                  ) : (
                    <ConfirmButton
                      label={`Roll back to gen ${r.generation}`}
                      question={`Restore the whole library as of generation ${r.generation}?`}
                      danger
                      onConfirm={() => props.onRollback(r.generation)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {revs.length > 1 && (
        <div class="diff-pick">
          <label>
            Diff from{' '}
            <select value={from} onChange={(e) => setFrom(Number((e.target as HTMLSelectElement).value))}>
              {revs.map((r) => (
                <option key={r.revision} value={r.revision}>
                  rev {r.revision}
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            to{' '}
            <select value={to} onChange={(e) => setTo(Number((e.target as HTMLSelectElement).value))}>
              {revs.map((r) => (
                <option key={r.revision} value={r.revision}>
                  rev {r.revision}
                </option>
              ))}
            </select>
          </label>
          <Diff path={`${props.base}/diff${qs({ from, to })}`} />
        </div>
      )}
    </section>
  );
}

export function Diff({ path }: { path: string }): JSX.Element {
  const api = useApi<SkillDiff>(path);
  const [unified, setUnified] = useState(false);
  useEffect(() => setUnified(false), [path]);
  if (api.error) return <ErrorBox message={api.error} />;
  if (!api.data) return <Loading what="diff" />;
  const d = api.data;
  return (
    <section class="diff" aria-label={`Changes from revision ${d.from} to ${d.to}`}>
      <button type="button" class="link" onClick={() => setUnified(!unified)} aria-pressed={unified}>
        {unified ? 'Line view' : 'Unified text'}
      </button>
      {unified ? (
        <pre class="text">{d.unified}</pre>
      ) : d.hunks.every((h) => h.op === 'same') ? (
        <p class="muted">No changes between these revisions.</p>
      ) : (
        <DiffLines hunks={d.hunks} />
      )}
    </section>
  );
}
