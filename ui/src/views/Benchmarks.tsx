import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { BenchmarkReport, BenchmarkRun, ListResponse } from '../../../src/admin-api/contract';
import { apiBlobUrl, useApi } from '../api';
import { Badge, ErrorBox, JsonBlock, Loading } from '../components/common';
import { fmtTime } from '../format';
import { Link } from '../router';

/** The list endpoint may answer a list envelope or a bare array. */
function runsOf(d: ListResponse<BenchmarkRun> | BenchmarkRun[]): BenchmarkRun[] {
  return Array.isArray(d) ? d : d.data;
}

export function Benchmarks(): JSX.Element {
  const api = useApi<ListResponse<BenchmarkRun> | BenchmarkRun[]>('/v1/admin/benchmarks');
  return (
    <>
      <header class="view-head">
        <h1>Benchmarks</h1>
      </header>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {!api.data ? (
        !api.error && <Loading what="benchmark runs" />
      ) : runsOf(api.data).length === 0 ? (
        <p class="muted">
          No runs yet: <code>metaclaw bench run --out DIR</code> records one here.
        </p>
      ) : (
        <ul class="runs">
          {runsOf(api.data).map((r) => (
            <li key={r.id} class="card">
              <h2>
                <Link href={`/benchmarks/${encodeURIComponent(r.id)}`}>{r.id}</Link>{' '}
                {r.finished_at === null ? (
                  <Badge kind="live">running</Badge>
                ) : (
                  <Badge kind="ok">finished</Badge>
                )}
              </h2>
              <p class="muted small">
                {fmtTime(r.started_at)} · {r.data ?? 'built-in data'} · {r.conditions.length} condition
                {r.conditions.length === 1 ? '' : 's'} · {r.plots.length} plot
                {r.plots.length === 1 ? '' : 's'}
              </p>
              {r.summary && <Summary summary={r.summary} />}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Summary({ summary }: { summary: Record<string, unknown> }): JSX.Element {
  const rows = Object.entries(summary).filter(([, v]) => v !== null && typeof v === 'object') as [
    string,
    Record<string, unknown>,
  ][];
  if (rows.length === 0) return <JsonBlock value={summary} label="summary" />;
  const cols = [...new Set(rows.flatMap(([, v]) => Object.keys(v)))].filter((c) =>
    rows.some(([, v]) => typeof v[c] === 'number'),
  );
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">condition</th>
            {cols.map((c) => (
              <th scope="col" key={c}>
                {c.replaceAll('_', ' ')}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, v]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              {cols.map((c) => (
                <td key={c}>
                  {typeof v[c] === 'number'
                    ? Number(v[c]).toLocaleString(undefined, { maximumFractionDigits: 3 })
                    : '—'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function BenchmarkDetail({ id }: { id: string }): JSX.Element {
  const base = `/v1/admin/benchmarks/${encodeURIComponent(id)}`;
  const runs = useApi<ListResponse<BenchmarkRun> | BenchmarkRun[]>('/v1/admin/benchmarks');
  const report = useApi<BenchmarkReport>(base);
  const run = runs.data ? runsOf(runs.data).find((r) => r.id === id) : undefined;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/benchmarks">Benchmarks</Link> / <span>{id}</span>
      </nav>
      <h1>Benchmark run {id}</h1>
      {run && (
        <p class="muted">
          {fmtTime(run.started_at)} – {run.finished_at ? fmtTime(run.finished_at) : 'running'} ·{' '}
          <span class="mono">{run.out_dir}</span>
        </p>
      )}
      {run?.summary && <Summary summary={run.summary} />}
      <section>
        <h2>Plots</h2>
        {!run ? (
          <Loading what="plots" />
        ) : run.plots.length === 0 ? (
          <p class="muted">This run has no plots.</p>
        ) : (
          <div class="plots">
            {run.plots.map((f) => (
              <Plot key={f} src={`${base}/plots/${encodeURIComponent(f)}`} name={f} />
            ))}
          </div>
        )}
      </section>
      <section>
        <h2>Report</h2>
        {report.error && <ErrorBox message={report.error} retry={report.reload} />}
        {report.data ? (
          <details>
            <summary>report.json</summary>
            <JsonBlock value={report.data} label="report" />
          </details>
        ) : (
          !report.error && <Loading what="report" />
        )}
      </section>
    </>
  );
}

/** Plots are fetched with the key (an <img src> cannot send it) and shown from an object URL. */
function Plot({ src, name }: { src: string; name: string }): JSX.Element {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let made: string | null = null;
    apiBlobUrl(src).then(
      (u) => {
        made = u;
        setUrl(u);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      if (made) URL.revokeObjectURL(made);
    };
  }, [src]);
  return (
    <figure class="plot">
      {error ? (
        <ErrorBox message={error} />
      ) : url ? (
        <img src={url} alt={`plot ${name}`} />
      ) : (
        <Loading what={name} />
      )}
      <figcaption>{name}</figcaption>
    </figure>
  );
}
