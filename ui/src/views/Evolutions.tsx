import type { JSX } from 'preact';
import type { EvolutionListItem, EvolutionOutcome, ListResponse } from '../../../src/admin-api/contract';
import { qs, useApi } from '../api';
import { Badge, ErrorBox, Loading, Pager } from '../components/common';
import { fmtTime } from '../format';
import { useLiveReload } from '../live';
import { Link, setQuery, useLocation } from '../router';

const LIMIT = 25;
const OUTCOMES: EvolutionOutcome[] = [
  'awaiting_approval',
  'applied',
  'rejected',
  'failed',
  'duplicate',
  'pending',
];

export function outcomeBadge(o: EvolutionOutcome): JSX.Element {
  const kind =
    o === 'applied' ? 'ok' : o === 'awaiting_approval' ? 'warn' : o === 'failed' ? 'error' : 'muted';
  return <Badge kind={kind}>{o.replace('_', ' ')}</Badge>;
}

export function Evolutions(): JSX.Element {
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const outcome = query.get('outcome') ?? '';
  const api = useApi<ListResponse<EvolutionListItem>>(
    `/v1/admin/evolutions${qs({ outcome, limit: LIMIT, offset })}`,
  );
  useLiveReload(['evolution'], api.reload);
  return (
    <>
      <header class="view-head">
        <h1>Evolutions</h1>
        <label>
          Outcome{' '}
          <select
            value={outcome}
            onChange={(e) =>
              setQuery({ outcome: (e.target as HTMLSelectElement).value || null, offset: null })
            }
          >
            <option value="">all</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
      </header>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {!api.data ? (
        !api.error && <Loading what="evolutions" />
      ) : (
        <>
          <ol class="timeline">
            {api.data.data.map((e) => (
              <li key={e.id} class={`tl tl-${e.outcome}`}>
                <div class="tl-head">
                  <Link href={`/evolutions/${e.id}`}>Evolution #{e.id}</Link> {outcomeBadge(e.outcome)}
                  <span class="muted">{fmtTime(e.created_at)}</span>
                  {e.generation !== null && <span>→ generation {e.generation}</span>}
                </div>
                <div class="tl-body">
                  <span class="muted">{e.trigger}</span> · {e.support_turn_ids.length} support turn
                  {e.support_turn_ids.length === 1 ? '' : 's'}
                  {e.ops.length > 0 && (
                    <>
                      {' · '}
                      {e.ops.map((o) => (
                        <span key={o.op + o.name} class="chip">
                          {o.op} <Link href={`/skills/${encodeURIComponent(o.name)}`}>{o.name}</Link>
                        </span>
                      ))}
                    </>
                  )}
                  {e.reason && <div class="muted small">{e.reason}</div>}
                </div>
              </li>
            ))}
          </ol>
          {api.data.data.length === 0 && <p class="muted">No evolutions yet.</p>}
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
