import type { Logger } from 'pino';
import type { LiveConfig } from '../config/live.js';
import type { LoadedConfig } from '../config/load.js';
import type { Learning } from '../learning/pipeline.js';
import type { RlRuntime } from '../learning/rl/runtime.js';
import type { Scheduler } from '../scheduler/runtime.js';
import type { TurnRecorder } from '../server/proxy/recorder.js';
import type { SessionTracker } from '../sessions/tracker.js';
import type { SkillsRuntime } from '../skills/runtime.js';
import type { Db } from '../store/db.js';
import type { RewardRepository } from '../store/rewards.js';
import type { SessionRepository } from '../store/sessions.js';
import type { TurnRepository } from '../store/turns.js';
import type { AdminEventBus } from './event-bus.js';

/** What the dashboard API reads and acts on; built once by the composition root (app.ts). */
export interface AdminApiDeps {
  loaded: LoadedConfig;
  db: Db;
  log: Logger;
  sessions: SessionRepository;
  turns: TurnRepository;
  rewards: RewardRepository;
  recorder: TurnRecorder;
  tracker: SessionTracker;
  skills: SkillsRuntime;
  learning: Learning;
  liveConfig: LiveConfig;
  /** Optional components exist only after start() and only when enabled. */
  rl: () => RlRuntime | null;
  scheduler: () => Scheduler | null;
  events: AdminEventBus;
}
