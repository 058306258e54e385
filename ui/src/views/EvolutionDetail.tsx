import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type {
  EvolutionDetail as Detail,
  EvolutionDecisionResult,
  EvolutionListItem,
} from '../../../src/admin-api/contract';
import { apiPost, useApi } from '../api';
import { ConfirmButton, ErrorBox, JsonBlock, Loading } from '../components/common';
import { fmtReward, fmtTime, rewardClass, shortId } from '../format';
import { useLiveReload } from '../live';
import { Link } from '../router';
import { EvolutionChanges } from './EvolutionChanges';
import { outcomeBadge } from './Evolutions';

export function EvolutionDetail({ id }: { id: string }): JSX.Element {
  const base = `/v1/admin/evolutions/${encodeURIComponent(id)}`;
  const api = useApi<Detail>(base);
  useLiveReload(['evolution'], api.reload, (e) => String((e as EvolutionListItem).id) === id);
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const e = api.data;
  const decide = async (what: 'approve' | 'reject') => {
    const r = await apiPost<EvolutionDecisionResult>(`${base}/${what}`, reason ? { reason } : {});
    setNotice(`Evolution #${r.evolution.id} is now ${r.evolution.outcome.replace('_', ' ')}.`);
    api.reload();
  };
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/evolutions">Evolutions</Link> / <span>#{id}</span>
      </nav>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {!e ? (
        !api.error && <Loading what="evolution" />
      ) : (
        <>
          <header class="view-head">
            <h1>
              Evolution #{e.id} {outcomeBadge(e.outcome)}
            </h1>
          </header>
          {e.outcome === 'awaiting_approval' && (
            <section class="approval" aria-label="Decision">
              <p>This verified change set waits for your decision (evolution.approval: manual).</p>
              <label>
                Reason (optional){' '}
                <input value={reason} onInput={(ev) => setReason((ev.target as HTMLInputElement).value)} />
              </label>
              <div class="actions">
                <ConfirmButton
                  label="Approve"
                  question="Apply these changes as a new library generation?"
                  onConfirm={() => decide('approve')}
                />
                <ConfirmButton
                  danger
                  label="Reject"
                  question="Reject and discard these changes?"
                  onConfirm={() => decide('reject')}
                />
              </div>
            </section>
          )}
          <dl class="facts">
            <dt>created</dt>
            <dd>{fmtTime(e.created_at)}</dd>
            <dt>trigger</dt>
            <dd>{e.trigger}</dd>
            <dt>generation</dt>
            <dd>{e.generation ?? '—'}</dd>
            <dt>decided by</dt>
            <dd>{e.decided_by ?? '—'}</dd>
            <dt>reason</dt>
            <dd>{e.reason ?? '—'}</dd>
          </dl>
          <section>
            <h2>Changes</h2>
            <EvolutionChanges e={e} />
          </section>
          <section>
            <h2>Support turns</h2>
            {e.support_turn_ids.length === 0 ? (
              <p class="muted">none</p>
            ) : (
              <ul class="inline">
                {e.support_turn_ids.map((t) => (
                  <li key={t}>
                    <Link href={`/turns/${encodeURIComponent(t)}`} class="mono chip">
                      {shortId(t)}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section>
            <h2>Replays: score before and after</h2>
            {e.replays.length === 0 ? (
              <p class="muted">No replays recorded.</p>
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">turn</th>
                      <th scope="col">before</th>
                      <th scope="col">after</th>
                      <th scope="col">verdict</th>
                    </tr>
                  </thead>
                  <tbody>
                    {e.replays.map((r) => (
                      <tr key={r.turn_id}>
                        <td>
                          <Link href={`/turns/${encodeURIComponent(r.turn_id)}`} class="mono">
                            {shortId(r.turn_id)}
                          </Link>
                        </td>
                        <td class={rewardClass(r.before)}>{fmtReward(r.before)}</td>
                        <td class={rewardClass(r.after)}>{fmtReward(r.after)}</td>
                        <td>{r.verdict}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section>
            <h2>Proposal</h2>
            {e.proposal.raw && (
              <details>
                <summary>Evolver's reply</summary>
                <pre class="text">{e.proposal.raw}</pre>
              </details>
            )}
            <JsonBlock value={e.proposal.ops} label="proposed operations" />
          </section>
          <section class="split">
            <div>
              <h2>Validation</h2>
              {e.validation === null ? (
                <p class="muted">none</p>
              ) : (
                <JsonBlock value={e.validation} label="validation" />
              )}
            </div>
            <div>
              <h2>Safety screen</h2>
              {e.safety === null ? <p class="muted">none</p> : <JsonBlock value={e.safety} label="safety" />}
            </div>
          </section>
          {e.verification !== null && (
            <details>
              <summary>Full verification record</summary>
              <JsonBlock value={e.verification} label="verification" />
            </details>
          )}
        </>
      )}
    </>
  );
}
