import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/**
 * The parts of undici the upstream client uses: the keep-alive Agent, its `request()` API and the
 * error classes. undici's entry point also loads fetch, WebSocket, EventSource, the cache and the
 * mocks, which cost a long-running proxy ~7 MB of RSS it never uses. These are the same modules
 * that entry point assembles (undici has no `exports` map, so the paths resolve as files);
 * test/unit/upstream/undici-core.test.ts fails loudly should an undici upgrade move them.
 */
const require = createRequire(import.meta.url);

const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
const api = require('undici/lib/api/index.js') as Record<string, unknown>;
// As undici's index.js does: the request()/stream()/… methods live on every dispatcher.
if (!('request' in Dispatcher.prototype)) Object.assign(Dispatcher.prototype, api);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export type Agent = Undici.Agent;
export const errors = require('undici/lib/core/errors.js') as typeof Undici.errors;
export type { Dispatcher } from 'undici';
