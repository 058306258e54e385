import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ListResponse, SessionListItem } from '../../../src/admin-api/contract';
import { qs, useApi } from '../api';
import { Badge, ErrorBox, Loading, Pager } from '../components/common';
import { fmtAgo, fmtReward, fmtTime, rewardClass, shortId } from '../format';
import { useLiveReload } from '../live';
import { Link, setQuery, useLocation } from '../router';

const LIMIT = 25;

/** `datetime-local` value ↔ epoch ms. */
function toMs(v: string | null): number | null {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : null;
}

export function Sessions(): JSX.Element {
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const f = {
    agent: query.get('agent') ?? '',
    since: query.get('since') ?? '',
    until: query.get('until') ?? '',
    failed: query.get('failed') === '1',
    judged: query.get('judged') === '1',
    feedback: query.get('feedback') === '1',
  };
  const path = `/v1/admin/sessions${qs({
    agent: f.agent,
    since: toMs(f.since),
    until: toMs(f.until),
    failed: f.failed,
    judged: f.judged,
    feedback: f.feedback,
    limit: LIMIT,
    offset,
  })}`;
  const api = useApi<ListResponse<SessionListItem>>(path);
  // New turns change counts and order: refresh the first page only (later pages would shift under the reader).
  useLiveReload(['turn'], () => offset === 0 && api.reload());
  const [agent, setAgent] = useState(f.agent);
  const toggle = (k: 'failed' | 'judged' | 'feedback') => setQuery({ [k]: f[k] ? null : 1, offset: null });
  return (
    <>
      <header class="view-head">
        <h1>Sessions</h1>
      </header>
      <form
        class="filters"
        aria-label="Filter sessions"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ agent: agent.trim() || null, offset: null });
        }}
      >
        <label>
          Agent{' '}
          <input
            name="agent"
            value={agent}
            placeholder="any"
            onInput={(e) => setAgent((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          From{' '}
          <input
            type="datetime-local"
            value={f.since}
            onChange={(e) => setQuery({ since: (e.target as HTMLInputElement).value || null, offset: null })}
          />
        </label>
        <label>
          To{' '}
          <input
            type="datetime-local"
            value={f.until}
            onChange={(e) => setQuery({ until: (e.target as HTMLInputElement).value || null, offset: null })}
          />
        </label>
        <label class="check">
          <input type="checkbox" checked={f.failed} onChange={() => toggle('failed')} /> failed
        </label>
        <label class="check">
          <input type="checkbox" checked={f.judged} onChange={() => toggle('judged')} /> judged
        </label>
        <label class="check">
          <input type="checkbox" checked={f.feedback} onChange={() => toggle('feedback')} /> with feedback
        </label>
        <button type="submit">Apply</button>
      </form>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {!api.data ? (
        !api.error && <Loading what="sessions" />
      ) : (
        <>
          <div class="table-wrap">
            <table class="rows">
              <thead>
                <tr>
                  <th scope="col">session</th>
                  <th scope="col">agent</th>
                  <th scope="col">started</th>
                  <th scope="col" class="hide-narrow">
                    last activity
                  </th>
                  <th scope="col">turns</th>
                  <th scope="col">failed</th>
                  <th scope="col">reward</th>
                  <th scope="col" class="hide-narrow">
                    feedback
                  </th>
                </tr>
              </thead>
              <tbody>
                {api.data.data.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link href={`/sessions/${encodeURIComponent(s.id)}`} class="mono" title={s.id}>
                        {shortId(s.id)}
                      </Link>
                      {s.ended_at === null && <Badge kind="live">open</Badge>}
                    </td>
                    <td>{s.agent ?? s.client ?? '—'}</td>
                    <td title={fmtTime(s.started_at)}>{fmtAgo(s.started_at)}</td>
                    <td class="hide-narrow">{fmtAgo(s.last_at)}</td>
                    <td>{s.turns}</td>
                    <td class={s.failed_turns > 0 ? 'bad' : ''}>{s.failed_turns}</td>
                    <td class={rewardClass(s.mean_reward)}>{fmtReward(s.mean_reward)}</td>
                    <td class="hide-narrow">{s.has_feedback ? 'yes' : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {api.data.data.length === 0 && <p class="muted">No sessions match.</p>}
          <Pager
            offset={offset}
            limit={LIMIT}
            total={api.data.total}
            onPage={(o) => setQuery({ offset: o || null })}
          />
        </>
      )}
    </>
  );
}
