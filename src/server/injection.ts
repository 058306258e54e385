import type { JsonObject, WireProtocol } from '../protocol/types.js';
import type { TurnKind } from '../store/turns.js';

/** What the proxy learns from injecting skills into one upstream request. */
export interface InjectionResult {
  /** The body to send upstream: a new object; the input is never mutated. */
  body: JsonObject;
  libraryGeneration: number;
  injectedRevisionIds: number[];
}

/**
 * Adds context (the skill library) to an upstream request body, in that body's protocol.
 * Runs on the request path, so it must be synchronous and cheap.
 */
export interface PromptInjector {
  inject(protocol: WireProtocol, body: JsonObject, kind: TurnKind): InjectionResult;
}

export const noInjection: PromptInjector = {
  inject: (_protocol, body) => ({ body, libraryGeneration: 0, injectedRevisionIds: [] }),
};
