import type { JSX } from 'preact';
import type { Overview as OverviewData, OverviewRange, TokenCost } from '../../../src/admin-api/contract';
import { useApi } from '../api';
import { Chart } from '../components/Chart';
import { Badge, Card, ErrorBox, Loading, Stat } from '../components/common';
import { fmtAgo, fmtNum, fmtPct, fmtReward, fmtTime, fmtUsd } from '../format';
import { useLiveReload } from '../live';
import { Link, setQuery, useLocation } from '../router';

const RANGES: OverviewRange[] = ['24h', '7d', '30d'];

export function Overview(): JSX.Element {
  const { query } = useLocation();
  const range = (RANGES as string[]).includes(query.get('range') ?? '')
    ? (query.get('range') as OverviewRange)
    : '7d';
  const api = useApi<OverviewData>(`/v1/admin/overview?range=${range}`);
  useLiveReload(['turn', 'evolution', 'generation', 'alert'], api.reload);
  const d = api.data;
  return (
    <>
      <header class="view-head">
        <h1>Overview</h1>
        <fieldset class="segmented">
          <legend class="sr-only">Time range</legend>
          {RANGES.map((r) => (
            <button type="button" key={r} aria-pressed={r === range} onClick={() => setQuery({ range: r })}>
              {r}
            </button>
          ))}
        </fieldset>
      </header>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {!d ? (
        !api.error && <Loading what="overview" />
      ) : (
        <div class="grid">
          <Card title="Now" wide>
            <div class="stats">
              <Stat label="library generation" value={d.library.generation} />
              <Stat label="active skills" value={<Link href="/skills">{d.library.skills}</Link>} />
              <Stat
                label="awaiting approval"
                value={
                  <Link href="/evolutions?outcome=awaiting_approval">{d.library.pending_approvals}</Link>
                }
              />
              <Stat
                label="policy version"
                value={d.policy.version ?? (d.policy.rl_enabled ? 'base' : 'RL off')}
                hint="the trainable policy serving requests"
              />
              <Stat label="requests" value={fmtNum(sum(d.traffic.points.map((p) => p.requests)))} />
              <Stat label="errors" value={fmtNum(sum(d.traffic.points.map((p) => p.errors)))} />
            </div>
          </Card>
          <Alerts alerts={d.alerts} />
          <Card title={`Traffic per ${d.traffic.bucket}`} wide>
            {d.traffic.points.length === 0 ? (
              <p class="muted">No traffic in this range.</p>
            ) : (
              <Chart
                label="Requests, turns, sessions and errors over time"
                time
                x={d.traffic.points.map((p) => p.t)}
                series={[
                  { label: 'requests', values: d.traffic.points.map((p) => p.requests), color: '--c1' },
                  { label: 'turns', values: d.traffic.points.map((p) => p.turns), color: '--c2' },
                  { label: 'sessions', values: d.traffic.points.map((p) => p.sessions), color: '--c3' },
                  { label: 'errors', values: d.traffic.points.map((p) => p.errors), color: '--bad' },
                ]}
              />
            )}
            <div class="split">
              <Shares
                title="By agent"
                rows={d.traffic.by_agent.map((a) => [a.agent, a.requests])}
                href={(agent) => `/sessions?agent=${encodeURIComponent(agent)}`}
              />
              <Shares title="By model" rows={d.traffic.by_model.map((m) => [m.model, m.requests])} />
            </div>
          </Card>
          <LearningCurve d={d} />
          <Costs cost={d.cost} />
        </div>
      )}
    </>
  );
}

function LearningCurve({ d }: { d: OverviewData }): JSX.Element {
  const lc = d.learning_curve;
  return (
    <Card title="Learning curve" wide>
      {lc.by_day.length === 0 ? (
        <p class="muted">No judged turns yet.</p>
      ) : (
        <Chart
          label="Mean judge reward and failure rate per day, evolutions marked"
          time
          x={lc.by_day.map((p) => p.t)}
          yLabel="mean reward"
          rightLabel="failure rate"
          series={[
            { label: 'mean reward', values: lc.by_day.map((p) => p.mean_reward), color: '--c1' },
            {
              label: 'failure rate',
              values: lc.by_day.map((p) => p.failure_rate),
              color: '--bad',
              right: true,
            },
          ]}
          markers={lc.evolutions
            .filter((e) => e.outcome === 'applied')
            .map((e) => ({ x: e.t, label: `#${e.id}`, color: '--c3' }))}
        />
      )}
      {lc.evolutions.length > 0 && (
        <p class="evo-marks">
          Evolutions:{' '}
          {lc.evolutions.map((e) => (
            <Link
              key={e.id}
              href={`/evolutions/${e.id}`}
              class={`mark mark-${e.outcome}`}
              title={fmtTime(e.t)}
            >
              #{e.id} {e.outcome.replace('_', ' ')}
              {e.generation !== null ? ` → gen ${e.generation}` : ''}
            </Link>
          ))}
        </p>
      )}
      <div class="table-wrap">
        <table>
          <caption>Per library generation</caption>
          <thead>
            <tr>
              <th scope="col">generation</th>
              <th scope="col">judged turns</th>
              <th scope="col">mean reward</th>
              <th scope="col">failure rate</th>
            </tr>
          </thead>
          <tbody>
            {lc.by_generation.map((g) => (
              <tr key={g.generation}>
                <td>{g.generation}</td>
                <td>{fmtNum(g.judged)}</td>
                <td>{fmtReward(g.mean_reward)}</td>
                <td>{fmtPct(g.failure_rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function Costs({ cost }: { cost: OverviewData['cost'] }): JSX.Element {
  const rows: [string, TokenCost, boolean][] = [
    ['serving', cost.serving, false],
    ['judge', cost.learning.judge, true],
    ['evolver', cost.learning.evolver, true],
    ['verification replays', cost.learning.verification, true],
    ['OPD', cost.learning.opd, true],
  ];
  const total = (c: TokenCost) => c.input_tokens + c.output_tokens;
  const max = Math.max(1, ...rows.map(([, c]) => total(c)));
  return (
    <Card title="Tokens and cost: serving vs learning">
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">what</th>
              <th scope="col">input</th>
              <th scope="col">output</th>
              <th scope="col">est. cost</th>
              <th scope="col" class="hide-narrow">
                share
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, c, learning]) => (
              <tr key={name}>
                <th scope="row">
                  {name} {learning && <Badge kind="learning">learning</Badge>}
                </th>
                <td>{fmtNum(c.input_tokens)}</td>
                <td>{fmtNum(c.output_tokens)}</td>
                <td>{fmtUsd(c.usd)}</td>
                <td class="hide-narrow">
                  <span class="bar" style={{ width: `${(100 * total(c)) / max}%` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function Alerts({ alerts }: { alerts: OverviewData['alerts'] }): JSX.Element {
  return (
    <Card title="Alerts">
      {alerts.length === 0 ? (
        <p class="good">No alerts.</p>
      ) : (
        <ul class="alerts">
          {alerts.map((a) => (
            <li key={a.kind + a.message} class={`alert alert-${a.severity}`}>
              <Badge kind={a.severity}>{a.severity}</Badge> <strong>{a.kind}</strong> {a.message}
              {a.since !== null && <span class="muted"> (since {fmtAgo(a.since)})</span>}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Shares(props: {
  title: string;
  rows: [string, number][];
  /** Where a row's name links to (e.g. that agent's sessions). */
  href?: (name: string) => string;
}): JSX.Element {
  const { title, rows, href } = props;
  const max = Math.max(1, ...rows.map(([, n]) => n));
  return (
    <div class="shares">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul>
          {rows.map(([name, n]) => (
            <li key={name}>
              <span class="share-name">{href ? <Link href={href(name)}>{name}</Link> : name}</span>
              <span class="bar" style={{ width: `${(60 * n) / max}%` }} />
              <span class="share-n">{fmtNum(n)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
