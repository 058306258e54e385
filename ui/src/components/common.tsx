import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet } from '../api';
import { pretty } from '../format';

export function Loading({ what }: { what: string }): JSX.Element {
  return (
    <p class="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ message, retry }: { message: string; retry?: () => void }): JSX.Element {
  return (
    <div class="error" role="alert">
      <span>{message}</span>
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Card({
  title,
  children,
  wide,
}: {
  title: string;
  children: ComponentChildren;
  wide?: boolean;
}) {
  return (
    <section class={wide ? 'card wide' : 'card'} aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="stat" title={hint}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}

/** Server-side pagination: Previous / Next with the visible range of `total`. */
export function Pager(props: {
  offset: number;
  limit: number;
  total: number;
  onPage: (offset: number) => void;
}) {
  const { offset, limit, total, onPage } = props;
  const end = Math.min(total, offset + limit);
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>
        ← Previous
      </button>
      <span>
        {total === 0 ? 0 : offset + 1}–{end} of {total}
      </span>
      <button type="button" disabled={end >= total} onClick={() => onPage(offset + limit)}>
        Next →
      </button>
    </nav>
  );
}

/**
 * A destructive or learning-changing action asks in place (no window.confirm: it blocks, and
 * keyboard users get real buttons either way).
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
}): JSX.Element {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!asking) {
    return (
      <span class="confirm">
        <button type="button" class={props.danger ? 'danger' : ''} onClick={() => setAsking(true)}>
          {props.label}
        </button>
        {error && (
          <span class="bad" role="alert">
            {' '}
            {error}
          </span>
        )}
      </span>
    );
  }
  return (
    <span class="confirm asking">
      <span>{props.question}</span>
      <button
        type="button"
        class={props.danger ? 'danger' : 'primary'}
        disabled={busy}
        // biome-ignore lint/a11y/noAutofocus: focus moves to the question the user just opened
        autoFocus
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await props.onConfirm();
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        Confirm
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** Pretty JSON in a scrollable block. */
export function JsonBlock({ value, label }: { value: unknown; label?: string }): JSX.Element {
  return (
    <pre class="json" title={label}>
      {pretty(value)}
    </pre>
  );
}

/** Raw JSON fetched only when the user asks for it. */
export function RawOnDemand({ path, label }: { path: string; label: string }): JSX.Element {
  const [state, setState] = useState<{ open: boolean; data?: unknown; error?: string }>({ open: false });
  return (
    <div class="raw">
      <button
        type="button"
        aria-expanded={state.open}
        onClick={async () => {
          if (state.open) return setState({ ...state, open: false });
          setState({ open: true });
          try {
            setState({ open: true, data: await apiGet(path) });
          } catch (e) {
            setState({ open: true, error: e instanceof Error ? e.message : String(e) });
          }
        }}
      >
        {state.open ? `Hide ${label}` : `Show ${label}`}
      </button>
      {state.open &&
        (state.error ? (
          <ErrorBox message={state.error} />
        ) : state.data === undefined ? (
          <Loading what={label} />
        ) : (
          <JsonBlock value={state.data} label={label} />
        ))}
    </div>
  );
}

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${kind}`}>{children}</span>;
}

/** Long text that starts folded past a few lines. */
export function Folded({ text, lines = 8 }: { text: string; lines?: number }): JSX.Element {
  const [open, setOpen] = useState(false);
  const long = text.split('\n').length > lines || text.length > 800;
  return (
    <div class="folded">
      <pre class={open || !long ? 'text' : 'text clipped'}>{text || '(empty)'}</pre>
      {long && (
        <button type="button" class="link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Show less' : 'Show all'}
        </button>
      )}
    </div>
  );
}
