import type { JSX } from 'preact';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { setKey, useKeyNeeded } from './api';
import { startLive, useLiveStatus } from './live';
import { Link, matchPath, useLocation } from './router';
import './styles.css';
import { BenchmarkDetail, Benchmarks } from './views/Benchmarks';
import { EvolutionDetail } from './views/EvolutionDetail';
import { Evolutions } from './views/Evolutions';
import { Overview } from './views/Overview';
import { SessionDetail } from './views/SessionDetail';
import { Sessions } from './views/Sessions';
import { SkillDetail } from './views/SkillDetail';
import { Skills } from './views/Skills';
import { Training } from './views/Training';
import { TurnView } from './views/TurnView';

type View = [string, (p: Record<string, string>) => JSX.Element];
const VIEWS: View[] = [
  ['/', () => <Overview />],
  ['/sessions', () => <Sessions />],
  ['/sessions/:id', (p) => <SessionDetail id={p.id!} />],
  ['/turns/:id', (p) => <TurnView id={p.id!} />],
  ['/skills', () => <Skills />],
  ['/skills/:name', (p) => <SkillDetail name={p.name!} />],
  ['/evolutions', () => <Evolutions />],
  ['/evolutions/:id', (p) => <EvolutionDetail id={p.id!} />],
  ['/training', () => <Training />],
  ['/benchmarks', () => <Benchmarks />],
  ['/benchmarks/:id', (p) => <BenchmarkDetail id={p.id!} />],
];
const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/sessions', 'Sessions'],
  ['/skills', 'Skills'],
  ['/evolutions', 'Evolutions'],
  ['/training', 'Training'],
  ['/benchmarks', 'Benchmarks'],
];

function KeyPrompt(): JSX.Element {
  const [value, setValue] = useState('');
  return (
    <div class="key-prompt" role="dialog" aria-modal="true" aria-labelledby="key-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) setKey(value.trim());
        }}
      >
        <h2 id="key-title">API key needed</h2>
        <p>This MetaClaw proxy has proxy.api_key set. Enter it once; this browser keeps it.</p>
        <label>
          Key{' '}
          <input
            type="password"
            name="key"
            autoComplete="off"
            // biome-ignore lint/a11y/noAutofocus: the dialog's only field
            autoFocus
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="primary">
          Use key
        </button>
      </form>
    </div>
  );
}

function App(): JSX.Element {
  const { path } = useLocation();
  const keyNeeded = useKeyNeeded();
  const live = useLiveStatus();
  let content: JSX.Element = (
    <p>
      No such page. <Link href="/">Back to the overview</Link>
    </p>
  );
  for (const [pattern, view] of VIEWS) {
    const params = matchPath(pattern, path);
    if (params) {
      content = view(params);
      break;
    }
  }
  const section = `/${path.split('/')[1] ?? ''}`;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          MetaClaw
        </Link>
        <nav aria-label="Views">
          {NAV.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              aria-current={(href === '/' ? path === '/' : section === href) ? 'page' : undefined}
            >
              {label}
            </Link>
          ))}
        </nav>
        <span class={`live live-${live}`} role="status" title="live updates (server-sent events)">
          {live === 'live' ? '● live' : live === 'connecting' ? '○ connecting' : '○ offline'}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
      {keyNeeded && <KeyPrompt />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
startLive();
