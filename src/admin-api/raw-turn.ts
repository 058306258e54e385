import type { TurnRecord } from '../store/turns.js';

/** A turn with its JSON columns parsed, for API consumers. */
export function turnView(t: TurnRecord) {
  const { requestJson, upstreamRequestJson, responseJson, usageJson, ...rest } = t;
  const request = safeParse(requestJson);
  return {
    ...rest,
    request,
    // NULL in the store means the upstream got the client's request unchanged.
    upstream_request: upstreamRequestJson ? safeParse(upstreamRequestJson) : request,
    response: responseJson ? safeParse(responseJson) : null,
    usage: usageJson ? safeParse(usageJson) : null,
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
