import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hookAction, sendHook } from '../../../src/cli/hook.js';
import { validateConfig } from '../../../src/config/load.js';
import { metaclawBin, metaclawCommandFor } from '../../../src/integrations/registry.js';
import { hookCommand, shellQuote } from '../../../src/integrations/types.js';

describe('metaclaw hook: what each hook event asks of the proxy', () => {
  it('SessionStart → start, SessionEnd → end, anything else (or no id) → nothing', () => {
    expect(
      hookAction({ hook_event_name: 'SessionStart', session_id: 'abc', source: 'startup' } as never),
    ).toEqual({
      kind: 'start',
      sessionId: 'abc',
    });
    expect(
      hookAction({ hook_event_name: 'SessionEnd', session_id: ' abc ', reason: 'clear' } as never),
    ).toEqual({
      kind: 'end',
      sessionId: 'abc',
    });
    expect(hookAction({ hook_event_name: 'Stop', session_id: 'abc' }).kind).toBe('ignore');
    expect(hookAction({ hook_event_name: 'SessionEnd' }).kind).toBe('ignore');
    expect(hookAction({ hook_event_name: 'SessionEnd', session_id: 'x'.repeat(300) }).kind).toBe('ignore');
  });

  it('posts to the admin API with the proxy key; 404 on end is fine; failures become one line', async () => {
    const config = validateConfig({ proxy: { port: 31234, api_key: 'pk' } });
    const calls: { url: string; init: RequestInit }[] = [];
    let status = 200;
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response('{}', { status });
    }) as unknown as typeof fetch;

    expect(
      await sendHook(
        config,
        'claude-code',
        { hook_event_name: 'SessionStart', session_id: 'a/b' },
        fakeFetch,
      ),
    ).toBeNull();
    expect(calls[0]!.url).toBe('http://127.0.0.1:31234/v1/admin/sessions/a%2Fb/start');
    expect(calls[0]!.init.body).toBe('{"client":"claude-code"}');
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer pk');

    status = 404;
    expect(
      await sendHook(config, 'codex', { hook_event_name: 'SessionEnd', session_id: 's' }, fakeFetch),
    ).toBeNull();
    expect(calls[1]!.url).toBe('http://127.0.0.1:31234/v1/admin/sessions/s/end');
    expect(
      await sendHook(config, 'codex', { hook_event_name: 'SessionStart', session_id: 's' }, fakeFetch),
    ).toMatch(/HTTP 404/);
    status = 500;
    expect(
      await sendHook(config, 'codex', { hook_event_name: 'SessionEnd', session_id: 's' }, fakeFetch),
    ).toMatch(/HTTP 500 to end session s/);
    const down = (async () => {
      throw new Error('connect ECONNREFUSED');
    }) as unknown as typeof fetch;
    expect(await sendHook(config, 'codex', { hook_event_name: 'SessionEnd', session_id: 's' }, down)).toBe(
      'cannot reach the MetaClaw proxy at http://127.0.0.1:31234: connect ECONNREFUSED',
    );
    // Not a session event: no request at all.
    const before = calls.length;
    expect(
      await sendHook(config, 'codex', { hook_event_name: 'Stop', session_id: 's' }, fakeFetch),
    ).toBeNull();
    expect(calls.length).toBe(before);
  });
});

describe('the hook command line', () => {
  it('absolute node and bin; --config only when a config file is in use; quoted for a shell', () => {
    const config = validateConfig({});
    const withFile = metaclawCommandFor({
      config,
      file: '/h/.metaclaw/config.yaml',
      home: '/h/.metaclaw',
      fileExists: true,
    });
    expect(withFile).toEqual([process.execPath, metaclawBin(), '--config', '/h/.metaclaw/config.yaml']);
    expect(path.isAbsolute(metaclawBin()) && metaclawBin().endsWith(path.join('bin', 'metaclaw.js'))).toBe(
      true,
    );
    expect(metaclawCommandFor({ config, file: '/h/c.yaml', home: '/h', fileExists: false })).toEqual([
      process.execPath,
      metaclawBin(),
    ]);
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote("/Users/o'neil/My Apps/node")).toBe(`'/Users/o'\\''neil/My Apps/node'`);
    expect(hookCommand({ metaclawCommand: ['/n', '/p q/metaclaw.js'] }, 'codex')).toBe(
      "/n '/p q/metaclaw.js' hook codex",
    );
  });
});
