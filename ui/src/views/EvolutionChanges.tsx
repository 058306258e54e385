import type { JSX } from 'preact';
import type { EvolutionDetail, SkillDetail } from '../../../src/admin-api/contract';
import { useApi } from '../api';
import { ErrorBox, Loading } from '../components/common';
import { DiffLines } from '../components/DiffLines';
import { lineDiff } from '../linediff';
import { Link } from '../router';
import { Diff } from './SkillDetail';

interface ProposedOp {
  op?: string;
  name?: string;
  body?: string;
  description?: string;
}

/**
 * Each skill an evolution touches, with its diff: once applied, the revision it wrote against the
 * one before (server-side diff); before that, what it proposes against the skill's current text, so
 * a person approving sees the change.
 */
export function EvolutionChanges({ e }: { e: EvolutionDetail }): JSX.Element {
  if (e.ops.length === 0) return <p class="muted">No operations.</p>;
  const proposed = Array.isArray(e.proposal.ops) ? (e.proposal.ops as ProposedOp[]) : [];
  return (
    <ul class="changes">
      {e.ops.map((o) => (
        <li key={o.op + o.name}>
          {o.op} <Link href={`/skills/${encodeURIComponent(o.name)}`}>{o.name}</Link>
          {e.outcome === 'applied' ? (
            <AppliedDiff name={o.name} evolutionId={e.id} />
          ) : (
            <ProposedDiff name={o.name} op={proposed.find((p) => p.name === o.name)} />
          )}
        </li>
      ))}
    </ul>
  );
}

function AppliedDiff({ name, evolutionId }: { name: string; evolutionId: number }): JSX.Element {
  const api = useApi<SkillDetail>(`/v1/admin/skills/${encodeURIComponent(name)}`);
  if (api.error) return <ErrorBox message={api.error} />;
  if (!api.data) return <Loading what={`${name}'s revisions`} />;
  const rev = api.data.revisions.find((r) => r.evolution_id === evolutionId);
  if (!rev) return <p class="muted">No revision of this skill records this evolution.</p>;
  if (rev.revision <= 1) return <p class="muted">New skill (revision 1).</p>;
  const path = `/v1/admin/skills/${encodeURIComponent(name)}/diff?from=${rev.revision - 1}&to=${rev.revision}`;
  return <Diff path={path} />;
}

function ProposedDiff({ name, op }: { name: string; op: ProposedOp | undefined }): JSX.Element {
  // An added skill has no current text (and asking for it would only answer 404).
  const isNew = op?.op === 'add';
  const api = useApi<SkillDetail>(
    op?.body !== undefined && !isNew ? `/v1/admin/skills/${encodeURIComponent(name)}` : null,
  );
  if (op?.op === 'retire') return <p class="muted">Retires this skill.</p>;
  if (op?.body === undefined) return <p class="muted">No new text proposed.</p>;
  if (api.error) return <ErrorBox message={api.error} />;
  if (!isNew && !api.data) return <Loading what={`${name}'s current text`} />;
  return (
    <section class="diff" aria-label={`Proposed changes to ${name}`}>
      <p class="muted small">
        {isNew ? 'Proposed text of the new skill:' : 'Proposed text against the current revision:'}
      </p>
      <DiffLines hunks={lineDiff(isNew ? '' : (api.data?.text ?? ''), op.body)} />
    </section>
  );
}
