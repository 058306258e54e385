import type { AgentProfile } from './types.js';

/** Any other client: a user message is the user's words, nothing is ephemeral, no session id. */
export const generic: AgentProfile = {
  id: 'generic',
  detect: () => true,
  humanText: (text) => text.trim(),
  ephemeral: () => false,
  sessionId: () => null,
};
