import fs from 'node:fs';
import type { Command } from 'commander';
import { storePath } from '../config/load.js';
import { feedbackTarget } from '../server/routes/feedback.js';
import { openStore } from '../store/db.js';
import { RewardRepository } from '../store/rewards.js';
import { TurnRepository } from '../store/turns.js';
import { CliError, type GlobalOptions, loadOrExit } from './context.js';

export function registerFeedback(program: Command): void {
  program
    .command('feedback <turn> <score> [comment]')
    .description(
      'rate a turn (-1 bad … 1 good); TURN is a turn id, or --session to rate a session’s last main turn',
    )
    .option('--session', 'TURN is a session id')
    .action(
      (
        turn: string,
        scoreText: string,
        comment: string | undefined,
        opts: { session?: boolean },
        cmd: Command,
      ) => {
        const score = Number(scoreText);
        if (!Number.isFinite(score) || score < -1 || score > 1)
          throw new CliError(`score must be a number from -1 to 1, got ${scoreText}`, 2);
        const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
        const file = storePath(loaded);
        if (!fs.existsSync(file)) throw new CliError(`no store yet at ${file}`);
        const db = openStore(file);
        try {
          const turns = new TurnRepository(db);
          const turnId = feedbackTarget(turns, opts.session ? { sessionId: turn } : { turnId: turn });
          if (!turnId)
            throw new CliError(opts.session ? `session ${turn} has no main turn` : `no turn ${turn}`);
          // Written straight to the store; the running service picks it up on its next evolution check.
          new RewardRepository(db).insert({ turnId, source: 'user', score, rationale: comment ?? null });
          console.log(`recorded feedback ${score} for turn ${turnId}`);
        } finally {
          db.close();
        }
      },
    );
}
