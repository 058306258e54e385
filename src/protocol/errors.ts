/** Options for a {@link ProtocolError}; everything has a client-input default. */
export interface ProtocolErrorOptions {
  status?: number;
  type?: string;
  param?: string;
  code?: string;
}

/**
 * A problem with what the client sent (bad body, unsupported feature for the chosen upstream).
 * The server renders it in the client's own protocol shape, so it carries both vocabularies' needs:
 * an HTTP status, an error `type`, the offending `param` path and a stable `code`.
 */
export class ProtocolError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param?: string;
  readonly code: string;

  constructor(message: string, opts: ProtocolErrorOptions = {}) {
    super(message);
    this.name = 'ProtocolError';
    this.status = opts.status ?? 400;
    this.type = opts.type ?? 'invalid_request_error';
    this.param = opts.param;
    this.code = opts.code ?? 'invalid_request';
  }
}
