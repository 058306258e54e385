/** A configuration problem. `key` is the dotted key path the user must fix, when there is one. */
export class ConfigError extends Error {
  readonly code = 'config_error';
  constructor(
    message: string,
    readonly key?: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
