import fs from 'node:fs';
import type { Command } from 'commander';
import pino from 'pino';
import { storePath } from '../config/load.js';
import { wireRl } from '../learning/rl/runtime.js';
import { currentGeneration } from '../learning/sets.js';
import { openStore } from '../store/db.js';
import { TrainingStepRepository } from '../store/training.js';
import { CliError, type GlobalOptions, loadOrExit, printJson } from './context.js';
import { formatTime } from './format.js';
import { runningService } from './pidfile.js';

function withSteps<T>(opts: GlobalOptions, fn: (steps: TrainingStepRepository) => T): T {
  const loaded = loadOrExit(opts);
  const file = storePath(loaded);
  if (!fs.existsSync(file)) throw new CliError(`no store yet at ${file}`);
  const db = openStore(file);
  try {
    return fn(new TrainingStepRepository(db));
  } finally {
    db.close();
  }
}

export function registerTrain(program: Command): void {
  const train = program.command('train').description('RL on the trainable policy (rl.* settings)');
  train
    .command('status')
    .description('policy version, latest sampler and checkpoint, recent training steps')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }, cmd: Command) => {
      withSteps(cmd.optsWithGlobals() as GlobalOptions, (steps) => {
        const recent = steps.list(10);
        const status = {
          policy_version: steps.policyVersion(),
          latest_sampler: steps.latestSampler(),
          latest_checkpoint: steps.latestCheckpoint(),
          recent_steps: recent,
        };
        if (opts.json) return printJson(status);
        console.log(
          `policy version ${status.policy_version}; sampler ${status.latest_sampler ?? '(base adapter)'}; checkpoint ${status.latest_checkpoint ?? 'none'}`,
        );
        for (const s of recent) {
          console.log(
            `  step #${s.id} ${s.status} loss=${s.loss ?? '-'} samples=${s.sampleIds.length} ${formatTime(s.createdAt)}`,
          );
        }
      });
    });
  train
    .command('checkpoints')
    .description('saved training checkpoints, newest first (resume from one with train resume)')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }, cmd: Command) => {
      withSteps(cmd.optsWithGlobals() as GlobalOptions, (steps) => {
        const list = steps.checkpoints();
        if (opts.json) return printJson(list);
        if (list.length === 0) return console.log('no checkpoints yet');
        for (const c of list) console.log(`${c.path}  (step #${c.id}, ${formatTime(c.createdAt)})`);
      });
    });
  train
    .command('resume <path>')
    .description(
      'continue training from this tinker://…/weights/… checkpoint (takes effect at the next start)',
    )
    .action((path: string, _o: unknown, cmd: Command) => {
      if (!/^tinker:\/\/.+\/weights\/[^/]+$/.test(path))
        throw new CliError(
          `not a training checkpoint path: ${path} (expected tinker://<model>/weights/<name>)`,
          2,
        );
      withSteps(cmd.optsWithGlobals() as GlobalOptions, (steps) => {
        steps.insert({
          backend: 'resume',
          loss: null,
          metrics: { resume: true },
          samplerPath: null,
          checkpointPath: path,
          status: 'skipped',
          timings: null,
          sampleIds: [],
        });
        console.log(
          `will resume from ${path} when the trainer next opens its session (restart MetaClaw if it is running)`,
        );
      });
    });
  train
    .command('step')
    .description('run one training step now (through the running service, so the new weights go live)')
    .action(async (_o: unknown, cmd: Command) => {
      const loaded = loadOrExit(cmd.optsWithGlobals() as GlobalOptions);
      if (!loaded.config.rl.enabled)
        throw new CliError('rl.enabled is false: set rl.enabled, rl.base_model and the Tinker key first', 2);
      const info = runningService(loaded.home);
      if (info) {
        const key = loaded.config.proxy.api_key;
        const res = await fetch(`${info.url}/v1/admin/train/step`, {
          method: 'POST',
          headers: key ? { authorization: `Bearer ${key}` } : {},
        });
        const body = await res.json();
        if (!res.ok) throw new CliError(`training step failed: ${JSON.stringify(body)}`);
        return printJson(body);
      }
      const db = openStore(storePath(loaded));
      const rl = wireRl({
        config: loaded.config,
        env: process.env,
        db,
        log: pino({ level: 'warn' }),
        currentGeneration: () => currentGeneration(db),
      })!;
      try {
        printJson(await rl.trainer.step());
      } finally {
        await rl.stop();
        db.close();
      }
    });
}
