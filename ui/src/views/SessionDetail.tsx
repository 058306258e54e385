import type { JSX } from 'preact';
import type { SessionDetail as Detail, TurnSummary } from '../../../src/admin-api/contract';
import { useApi } from '../api';
import { Badge, ErrorBox, Folded, Loading, RawOnDemand } from '../components/common';
import { fmtMs, fmtNum, fmtReward, fmtTime, rewardClass } from '../format';
import { useLiveReload } from '../live';
import { Link } from '../router';

export function SessionDetail({ id }: { id: string }): JSX.Element {
  const api = useApi<Detail>(`/v1/admin/sessions/${encodeURIComponent(id)}`);
  // A new turn of this session appears live.
  useLiveReload(['turn'], api.reload, (t) => (t as TurnSummary).session_id === id);
  const s = api.data;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/sessions">Sessions</Link> / <span class="mono">{id}</span>
      </nav>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {!s ? (
        !api.error && <Loading what="session" />
      ) : (
        <>
          <header class="view-head">
            <h1>Session {s.agent ? `of ${s.agent}` : ''}</h1>
          </header>
          <dl class="facts">
            <dt>started</dt>
            <dd>{fmtTime(s.started_at)}</dd>
            <dt>last activity</dt>
            <dd>{fmtTime(s.last_at)}</dd>
            <dt>ended</dt>
            <dd>{s.ended_at ? fmtTime(s.ended_at) : 'open'}</dd>
            <dt>turns</dt>
            <dd>
              {s.turn_count} ({s.failed_turns} failed)
            </dd>
            <dt>mean reward</dt>
            <dd class={rewardClass(s.mean_reward)}>{fmtReward(s.mean_reward)}</dd>
          </dl>
          <ol class="turns">
            {s.turns.map((t) => (
              <Turn key={t.id} t={t} />
            ))}
          </ol>
        </>
      )}
    </>
  );
}

export function Turn({ t }: { t: TurnSummary }): JSX.Element {
  return (
    <li class={`turn turn-${t.status}`} id={`turn-${t.id}`}>
      <header class="turn-head">
        <Link href={`/turns/${encodeURIComponent(t.id)}`} class="turn-link" title="this turn on its own page">
          <strong>#{t.index}</strong>
        </Link>
        <Badge kind={t.status === 'ok' ? 'ok' : 'error'}>{t.status}</Badge>
        {t.kind === 'side' && <Badge kind="muted">side call</Badge>}
        <span class="muted">{t.protocol}</span>
        <span class="mono">{t.model ?? ''}</span>
        <span class="muted">{fmtTime(t.created_at)}</span>
        <span>{fmtMs(t.latency_ms)}</span>
        <span title="input / output tokens">
          {fmtNum(t.input_tokens)} → {fmtNum(t.output_tokens)} tok
        </span>
        {t.generation !== null && <span>gen {t.generation}</span>}
        {t.policy_version !== null && <span>policy v{t.policy_version}</span>}
      </header>
      {t.error && (
        <p class="bad" role="note">
          {t.error}
        </p>
      )}
      <div class="turn-body">
        <section>
          <h3>Request</h3>
          <Folded text={t.request_text} />
        </section>
        <section>
          <h3>Answer</h3>
          <Folded text={t.answer.text} />
          {t.answer.tool_calls.length > 0 && (
            <ul class="tools">
              {t.answer.tool_calls.map((c, i) => (
                <li key={i}>
                  <span class="mono">{c.name}</span>
                  <code class="args">{c.arguments}</code>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <div class="turn-meta">
        <div>
          <h3>Injected skills</h3>
          {t.injected_skills.length === 0 ? (
            <span class="muted">none</span>
          ) : (
            <ul class="inline">
              {t.injected_skills.map((n) => (
                <li key={n}>
                  <Link href={`/skills/${encodeURIComponent(n)}`}>{n}</Link>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>
            Judge {t.judge && <span class={rewardClass(t.judge.score)}>{fmtReward(t.judge.score)}</span>}
          </h3>
          {!t.judge ? (
            <span class="muted">not judged</span>
          ) : (
            <ul class="votes">
              {t.judge.votes.map((v, i) => (
                <li key={i}>
                  <span class={rewardClass(v.score)}>
                    {v.score === null ? 'invalid' : fmtReward(v.score)}
                  </span>{' '}
                  {v.rationale}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Feedback</h3>
          {t.feedback.length === 0 ? (
            <span class="muted">none</span>
          ) : (
            <ul class="votes">
              {t.feedback.map((f, i) => (
                <li key={i}>
                  <span class={rewardClass(f.score)}>{fmtReward(f.score)}</span> {f.comment ?? ''}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      {t.next_state_text && (
        <section>
          <h3>Next state</h3>
          <Folded text={t.next_state_text} lines={4} />
        </section>
      )}
      <RawOnDemand path={`/v1/admin/turns/${encodeURIComponent(t.id)}`} label="raw request and response" />
    </li>
  );
}
