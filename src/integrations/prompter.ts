import * as clack from '@clack/prompts';

export interface Choice<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

/** The questions a wizard asks; tests script it, the CLI backs it with @clack/prompts. */
export interface Prompter {
  select<T extends string>(message: string, choices: Choice<T>[], initial?: T): Promise<T>;
  text(
    message: string,
    opts?: { initial?: string; placeholder?: string; optional?: boolean },
  ): Promise<string>;
  password(message: string): Promise<string>;
  confirm(message: string, initial?: boolean): Promise<boolean>;
  info(message: string): void;
  warn(message: string): void;
}

/** Thrown when the user presses Ctrl-C / Esc in a prompt. */
export class PromptCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

function answer<T>(v: T | symbol): Exclude<T, symbol> {
  if (clack.isCancel(v) || typeof v === 'symbol') throw new PromptCancelled();
  return v as Exclude<T, symbol>;
}

export const clackPrompter: Prompter = {
  async select(message, choices, initial) {
    // clack's option type is conditional on the value type; the generic here is always a string.
    const options = choices.map((c) => ({ value: c.value, label: c.label, hint: c.hint })) as Parameters<
      typeof clack.select<string>
    >[0]['options'];
    return answer(await clack.select<string>({ message, options, initialValue: initial })) as never;
  },
  async text(message, opts = {}) {
    return answer(
      await clack.text({
        message,
        initialValue: opts.initial,
        placeholder: opts.placeholder,
        validate: (v) => (opts.optional || (v ?? '').trim() !== '' ? undefined : 'required'),
      }),
    ).trim();
  },
  async password(message) {
    return answer(await clack.password({ message })).trim();
  },
  async confirm(message, initial = false) {
    return answer(await clack.confirm({ message, initialValue: initial }));
  },
  info: (m) => clack.log.info(m),
  warn: (m) => clack.log.warn(m),
};
