import { execFile } from 'node:child_process';

export interface CommandResult {
  /** Exit code; null when the program could not be started or was killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it failed to run: `not found`, `timed out`, … */
  error?: string;
}

/** Runs an external program without blocking the event loop. Never throws. */
export interface CommandRunner {
  run(file: string, args: string[], opts: { timeoutMs: number }): Promise<CommandResult>;
}

export const execFileRunner: CommandRunner = {
  run(file, args, { timeoutMs }) {
    return new Promise((resolve) => {
      execFile(
        file,
        args,
        { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (!err) return resolve({ code: 0, stdout, stderr });
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          if (e.code === 'ENOENT') return resolve({ code: null, stdout, stderr, error: 'not found' });
          if (e.killed)
            return resolve({ code: null, stdout, stderr, error: `timed out after ${timeoutMs} ms` });
          // A non-zero exit: the caller reports the exit code and stderr, not Node's long message.
          if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
          resolve({ code: null, stdout, stderr, error: e.message.split('\n')[0] });
        },
      );
    });
  },
};
