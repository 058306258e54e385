import type { JSX } from 'preact';
import type { Schedule, ScheduleSignal, Training as TrainingData } from '../../../src/admin-api/contract';
import { useApi } from '../api';
import { Chart } from '../components/Chart';
import { Badge, Card, ErrorBox, Loading } from '../components/common';
import { fmtNum, fmtTime } from '../format';
import { useLiveReload } from '../live';

export function Training(): JSX.Element {
  const training = useApi<TrainingData>('/v1/admin/training');
  const schedule = useApi<Schedule>('/v1/admin/schedule');
  useLiveReload(['training_step'], training.reload);
  useLiveReload(['training_step', 'alert'], schedule.reload);
  return (
    <>
      <header class="view-head">
        <h1>Training and schedule</h1>
      </header>
      <div class="grid">
        <Card title="Policy training" wide>
          {training.error && <ErrorBox message={training.error} retry={training.reload} />}
          {!training.data ? (
            !training.error && <Loading what="training" />
          ) : (
            <TrainingBody t={training.data} />
          )}
        </Card>
        <Card title="Scheduler" wide>
          {schedule.error && <ErrorBox message={schedule.error} retry={schedule.reload} />}
          {!schedule.data ? (
            !schedule.error && <Loading what="schedule" />
          ) : (
            <ScheduleBody s={schedule.data} />
          )}
        </Card>
      </div>
    </>
  );
}

function TrainingBody({ t }: { t: TrainingData }): JSX.Element {
  const steps = [...t.steps].sort((a, b) => a.step - b.step);
  return (
    <>
      <p>
        RL is <strong>{t.enabled ? 'enabled' : 'disabled'}</strong>
        {!t.enabled && ' (set rl.enabled to train the policy)'}
        {t.enabled && t.policy_version !== undefined && t.policy_version !== null && (
          <>
            {' '}
            · policy version <strong>{t.policy_version}</strong>
          </>
        )}
        {t.samples && Object.keys(t.samples).length > 0 && (
          <span class="muted">
            {' '}
            · samples{' '}
            {Object.entries(t.samples)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')}
          </span>
        )}
      </p>
      {steps.length > 0 && (
        <Chart
          label="Loss and reward mean per training step"
          x={steps.map((s) => s.step)}
          yLabel="loss"
          rightLabel="reward"
          series={[
            { label: 'loss', values: steps.map((s) => s.loss), color: '--c1' },
            { label: 'reward mean', values: steps.map((s) => s.reward_mean), color: '--c2', right: true },
          ]}
        />
      )}
      <h3>Policy versions and checkpoints</h3>
      {t.policy_versions.length === 0 ? (
        <p class="muted">No policy versions yet.</p>
      ) : (
        <ul>
          {t.policy_versions.map((v) => (
            <li key={v.version}>
              v{v.version} · {fmtTime(v.created_at)} ·{' '}
              <span class="mono">{v.checkpoint ?? 'no checkpoint'}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Steps</h3>
      {steps.length === 0 ? (
        <p class="muted">No training steps yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">step</th>
                <th scope="col" class="hide-narrow">
                  when
                </th>
                <th scope="col">loss</th>
                <th scope="col">reward mean</th>
                <th scope="col">adv mean ± std</th>
                <th scope="col">samples used / stale / skipped</th>
                <th scope="col">status</th>
              </tr>
            </thead>
            <tbody>
              {steps
                .slice(-50)
                .reverse()
                .map((s) => (
                  <tr key={s.step}>
                    <td>{s.step}</td>
                    <td class="hide-narrow">{fmtTime(s.t)}</td>
                    <td>{fmtLoss(s.loss)}</td>
                    <td>{fmtNum(s.reward_mean)}</td>
                    <td>
                      {fmtNum(s.adv_mean)} ± {fmtNum(s.adv_std)}
                    </td>
                    <td>
                      {s.samples_used} / {s.stale} / {s.skipped}
                    </td>
                    <td>{s.status}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
      {t.errors.length > 0 && (
        <>
          <h3>Errors</h3>
          <ul class="alerts">
            {t.errors.map((e, i) => (
              <li key={i} class={e.recovered_at ? 'alert alert-warn' : 'alert alert-error'}>
                <Badge kind={e.recovered_at ? 'warn' : 'error'}>{e.kind}</Badge> {fmtTime(e.t)} {e.message}
                {e.recovered_at ? (
                  <span class="muted"> (recovered {fmtTime(e.recovered_at)})</span>
                ) : (
                  <span class="muted"> (not recovered)</span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function ScheduleBody({ s }: { s: Schedule }): JSX.Element {
  if (!s.enabled) return <p class="muted">The scheduler is off (scheduler.enabled).</p>;
  return (
    <>
      <p>
        State: <strong>{s.state ?? 'unknown'}</strong>
        {s.since !== null && <span class="muted"> since {fmtTime(s.since)}</span>}
        {s.trainer === false && <span class="muted"> · no trainer attached</span>}
      </p>
      {s.decision && (
        <p>
          Last decision ({fmtTime(s.decision.at)}): window{' '}
          <strong>{s.decision.open ? 'open' : 'closed'}</strong> — {s.decision.reason}
        </p>
      )}
      {s.last_error && <ErrorBox message={`trainer: ${s.last_error}`} />}
      <p>
        Next predicted window:{' '}
        {s.next_window ? (
          <>
            <strong>
              {fmtTime(s.next_window.start)}
              {s.next_window.end !== null && ` – ${fmtTime(s.next_window.end)}`}
            </strong>
            {s.next_window.source && (
              <span class="muted">
                {' '}
                ({s.next_window.source}
                {s.next_window.note ? `; ${s.next_window.note}` : ''})
              </span>
            )}
          </>
        ) : (
          <span class="muted">none predicted</span>
        )}
      </p>
      <h3>Signals</h3>
      {s.signals.length === 0 ? (
        <p class="muted">Not evaluated yet.</p>
      ) : (
        <ul class="signals">
          {s.signals.map((g) => (
            <li key={g.name}>
              <SignalBadge g={g} /> <strong>{g.name}</strong>: {String(g.reading)}
              {g.error && <span class="bad"> ({g.error})</span>}
            </li>
          ))}
        </ul>
      )}
      <h3>Timeline</h3>
      {s.timeline.length === 0 ? (
        <p class="muted">No state changes yet.</p>
      ) : (
        <ol class="timeline">
          {[...s.timeline].reverse().map((e, i) => (
            <li key={i} class="tl">
              <span class="muted">{fmtTime(e.t)}</span> <strong>{e.state}</strong> {e.reason}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

function SignalBadge({ g }: { g: ScheduleSignal }): JSX.Element {
  if (g.veto) return <Badge kind="warn">veto</Badge>;
  if (!g.ok || g.open === null) return <Badge kind="error">unavailable</Badge>;
  if (g.open === undefined) return <Badge kind="ok">ok</Badge>;
  return <Badge kind={g.open ? 'ok' : 'muted'}>{g.open ? 'open' : 'closed'}</Badge>;
}

/** Losses can be tiny: keep their significant digits instead of rounding them to 0. */
function fmtLoss(n: number | null): string {
  if (n === null) return '—';
  return n !== 0 && Math.abs(n) < 0.01 ? n.toExponential(2) : fmtNum(n);
}
