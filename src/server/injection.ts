import type { JsonObject } from '../protocol/types.js';
import type { ConversationView } from '../protocol/view.js';
import type { TurnKind } from '../store/turns.js';

/** What the proxy learns from injecting skills into one request. */
export interface InjectionResult {
  /** The body to send on (in the client's protocol): a new object; the input is never mutated. */
  body: JsonObject;
  libraryGeneration: number;
  injectedRevisionIds: number[];
}

export interface InjectionContext {
  view: ConversationView;
  kind: TurnKind;
  sessionId: string;
  /** chainedPrefixHashes(view.stable): identify each task of the conversation. */
  prefixHashes: string[];
}

/**
 * Adds context (the skill library) to a request body in the client's protocol, before any
 * protocol conversion. Runs on the request path, so it must be synchronous and cheap.
 */
export interface PromptInjector {
  inject(body: JsonObject, ctx: InjectionContext): InjectionResult;
}

export const noInjection: PromptInjector = {
  inject: (body) => ({ body, libraryGeneration: 0, injectedRevisionIds: [] }),
};
