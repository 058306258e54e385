/** Errors in a bench data folder name the file and the field, so a malformed set is fixable. */
export class BenchDataError extends Error {}

export function fail(file: string, field: string, what: string): never {
  throw new BenchDataError(`${file}: ${field} ${what}`);
}

export function str(obj: Record<string, unknown>, key: string, file: string, at: string): string {
  const v = obj[key];
  if (typeof v !== 'string') fail(file, `${at}.${key}`, 'must be a string');
  return v;
}

export function record(v: unknown, file: string, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, at, 'must be an object');
  return v as Record<string, unknown>;
}
