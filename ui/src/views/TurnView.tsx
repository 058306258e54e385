import type { JSX } from 'preact';
import type { TurnDetail } from '../../../src/admin-api/contract';
import { useApi } from '../api';
import { ErrorBox, Loading } from '../components/common';
import { Link } from '../router';
import { Turn } from './SessionDetail';

/** One turn by id (support turns of evolutions and skills link here). */
export function TurnView({ id }: { id: string }): JSX.Element {
  const api = useApi<TurnDetail>(`/v1/admin/turns/${encodeURIComponent(id)}`);
  const t = api.data;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/sessions">Sessions</Link> /{' '}
        {t ? (
          <Link href={`/sessions/${encodeURIComponent(t.session_id)}`} class="mono">
            {t.session_id}
          </Link>
        ) : (
          '…'
        )}{' '}
        / <span>turn</span>
      </nav>
      {api.error && <ErrorBox message={api.error} retry={api.reload} />}
      {!t ? (
        !api.error && <Loading what="turn" />
      ) : (
        <>
          <h1>Turn #{t.index}</h1>
          <ol class="turns">
            <Turn t={t} />
          </ol>
        </>
      )}
    </>
  );
}
