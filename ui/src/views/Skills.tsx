import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ListResponse, SkillListItem } from '../../../src/admin-api/contract';
import { qs, useApi } from '../api';
import { Badge, ErrorBox, Loading, Pager } from '../components/common';
import { fmtAgo, fmtReward, fmtTime, rewardClass } from '../format';
import { useLiveReload } from '../live';
import { Link, setQuery, useLocation } from '../router';

const LIMIT = 50;
const STATUSES = ['active', 'retired', 'all'] as const;

export function Skills(): JSX.Element {
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const status = (STATUSES as readonly string[]).includes(query.get('status') ?? '')
    ? query.get('status')!
    : 'active';
  const q = query.get('q') ?? '';
  const api = useApi<ListResponse<SkillListItem>>(
    `/v1/admin/skills${qs({ q, status, limit: LIMIT, offset })}`,
  );
  useLiveReload(['generation'], api.reload);
  const [text, setText] = useState(q);
  return (
    <>
      <header class="view-head">
        <h1>Skills</h1>
      </header>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ q: text.trim() || null, offset: null });
        }}
      >
        <label>
          Search{' '}
          <input type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
        <fieldset class="segmented">
          <legend class="sr-only">Status</legend>
          {STATUSES.map((s) => (
            <button
              type="button"
              key={s}
              aria-pressed={s === status}
              onClick={() => setQuery({ status: s === 'active' ? null : s, offset: null })}
            >
              {s}
            </button>
          ))}
        </fieldset>
        <button type="submit">Search</button>
      </form>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {!api.data ? (
        !api.error && <Loading what="skills" />
      ) : (
        <>
          <div class="table-wrap">
            <table class="rows">
              <thead>
                <tr>
                  <th scope="col">skill</th>
                  <th scope="col">injected</th>
                  <th scope="col" class="hide-narrow">
                    helpful / harmful
                  </th>
                  <th scope="col">reward with</th>
                  <th scope="col">without</th>
                  <th scope="col" class="hide-narrow">
                    rev
                  </th>
                  <th scope="col" class="hide-narrow">
                    updated
                  </th>
                </tr>
              </thead>
              <tbody>
                {api.data.data.map((s) => (
                  <tr key={s.name}>
                    <td>
                      <Link href={`/skills/${encodeURIComponent(s.name)}`}>{s.name}</Link>{' '}
                      {s.pinned && <Badge kind="pinned">pinned</Badge>}
                      {s.status === 'retired' && <Badge kind="muted">retired</Badge>}
                      <div class="muted small">{s.description}</div>
                    </td>
                    <td>{s.injected}</td>
                    <td class="hide-narrow">
                      <span class="good">{s.helpful}</span> / <span class="bad">{s.harmful}</span>
                    </td>
                    <td class={rewardClass(s.mean_reward_with)}>{fmtReward(s.mean_reward_with)}</td>
                    <td class={rewardClass(s.mean_reward_without)}>{fmtReward(s.mean_reward_without)}</td>
                    <td class="hide-narrow">{s.revision}</td>
                    <td class="hide-narrow" title={fmtTime(s.updated_at)}>
                      {fmtAgo(s.updated_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {api.data.data.length === 0 && <p class="muted">No skills match.</p>}
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
