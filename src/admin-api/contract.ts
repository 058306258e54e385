/**
 * The dashboard admin API (`/v1/admin/*`): every response and request body, as TypeScript types.
 * TYPES ONLY — no runtime code and no imports — so the web UI can `import type` this file.
 * Times are epoch milliseconds. Field names are snake_case as on the wire.
 * Documented in docs/admin-api.md. Changes must stay backwards compatible (add, never rename).
 */

/** Every paginated list: `?limit=&offset=` (limit 1..1000, default 50). */
export interface ListResponse<T> {
  object: 'list';
  data: T[];
  /** Rows matching the filters, ignoring limit/offset. */
  total: number;
}

/** Error body of every admin route (OpenAI shape). 400 bad parameter, 401 key, 404 unknown id, 409 wrong state. */
export interface ApiError {
  error: { message: string; type: string; param?: string | null; code?: string | null };
}

// ---------------------------------------------------------------- overview

export type OverviewRange = '24h' | '7d' | '30d';

export interface TrafficPoint {
  /** Bucket start. */
  t: number;
  requests: number;
  /** Main turns (side calls are requests, not turns). */
  turns: number;
  /** Sessions started in the bucket. */
  sessions: number;
  /** Requests whose status was not ok. */
  errors: number;
}

export interface LearningPoint {
  judged: number;
  mean_reward: number | null;
  /** Share of judged turns with reward < 0. */
  failure_rate: number | null;
}

export interface TokenCost {
  input_tokens: number;
  output_tokens: number;
  /** Only when `pricing` is configured for the model(s); otherwise null. */
  usd: number | null;
}

export type AlertKind =
  | 'judge_invalid'
  | 'store_write'
  | 'upstream'
  | 'rl'
  | 'restart_needed'
  | (string & {});

export interface Alert {
  kind: AlertKind;
  severity: 'warn' | 'error';
  message: string;
  since: number | null;
}

export interface Overview {
  generated_at: number;
  range: OverviewRange;
  library: { generation: number; skills: number; pending_approvals: number };
  policy: { version: number | null; rl_enabled: boolean };
  traffic: {
    bucket: 'hour' | 'day';
    points: TrafficPoint[];
    by_agent: { agent: string; requests: number }[];
    by_model: { model: string; requests: number }[];
  };
  learning_curve: {
    by_day: (LearningPoint & { t: number })[];
    by_generation: (LearningPoint & { generation: number })[];
    evolutions: { id: number; t: number; outcome: EvolutionOutcome; generation: number | null }[];
  };
  cost: {
    serving: TokenCost;
    learning: { judge: TokenCost; evolver: TokenCost; verification: TokenCost; opd: TokenCost };
  };
  alerts: Alert[];
}

// ---------------------------------------------------------------- sessions and turns

export interface SessionListItem {
  id: string;
  /** The agent (client) that opened the session, e.g. `claude-code`; null when unknown. */
  agent: string | null;
  client: string | null;
  started_at: number;
  last_at: number;
  ended_at: number | null;
  turns: number;
  failed_turns: number;
  mean_reward: number | null;
  has_feedback: boolean;
}

export interface ToolCallView {
  name: string;
  /** The arguments as the model sent them (usually a JSON string). */
  arguments: string;
}

export interface JudgeVote {
  score: number | null;
  rationale: string;
}

export interface FeedbackView {
  score: number;
  comment: string | null;
  created_at: number;
}

export interface TurnSummary {
  id: string;
  session_id: string;
  /** Position in its session (1-based). */
  index: number;
  kind: 'main' | 'side';
  protocol: 'openai-chat' | 'anthropic-messages' | 'openai-responses';
  model: string | null;
  status: 'ok' | 'error' | 'aborted';
  error: string | null;
  latency_ms: number | null;
  created_at: number;
  input_tokens: number | null;
  output_tokens: number | null;
  generation: number | null;
  policy_version: number | null;
  /** The user's request for this turn, wrappers (injected skills, system reminders) stripped. */
  request_text: string;
  answer: { text: string; tool_calls: ToolCallView[] };
  /** Names of the skills injected into this turn. */
  injected_skills: string[];
  judge: { score: number | null; votes: JudgeVote[] } | null;
  feedback: FeedbackView[];
  /** What came next in the conversation (the next user message / tool results), when recorded. */
  next_state_text: string | null;
}

/** The list item's fields, except that `turns` is the turn list; the count is `turn_count`. */
export interface SessionDetail extends Omit<SessionListItem, 'turns'> {
  turn_count: number;
  /** The page of turns: `?turn_limit=` (1..1000, default 100) and `?turn_offset=`, in seq order. */
  turns: TurnSummary[];
  turn_limit?: number;
  turn_offset?: number;
}

/** `GET /v1/admin/turns/:id`: the summary plus the raw JSON, on demand. */
export interface TurnDetail extends TurnSummary {
  request: unknown;
  /** What was sent upstream (equal to `request` when forwarded unchanged). */
  upstream_request: unknown;
  response: unknown;
  usage: unknown;
}

// ---------------------------------------------------------------- skills

export type SkillStatus = 'active' | 'retired';

export interface SkillListItem {
  name: string;
  description: string;
  status: SkillStatus;
  pinned: boolean;
  revision: number;
  generation_added: number;
  /** Turns this skill was injected into (all revisions). */
  injected: number;
  helpful: number;
  harmful: number;
  /** Mean judge reward of turns where it was injected. */
  mean_reward_with: number | null;
  /** Mean judge reward of main turns of the same generations where it was not injected. */
  mean_reward_without: number | null;
  updated_at: number;
}

export interface SkillRevisionInfo {
  revision: number;
  generation: number;
  created_at: number;
  evolution_id: number | null;
  reason: string | null;
  status: 'candidate' | 'active' | 'retired';
}

export interface SkillDetail extends SkillListItem {
  /** The full SKILL.md body of the newest revision. */
  text: string;
  revisions: SkillRevisionInfo[];
  provenance: {
    evolution_id: number | null;
    support_turn_ids: string[];
    verification: unknown | null;
  };
}

export interface DiffHunk {
  op: 'add' | 'del' | 'same';
  text: string;
}

export interface SkillDiff {
  name: string;
  from: number;
  to: number;
  unified: string;
  hunks: DiffHunk[];
}

/** `POST /v1/admin/skills/:name` */
export interface SkillEditRequest {
  /** The new body (markdown without frontmatter) … */
  text: string;
  /** … and optionally a new description. */
  description?: string;
}

/** `POST /v1/admin/skills/:name/pin` */
export interface SkillPinRequest {
  pinned: boolean;
}

/** Answer of every skill or generation action: the library generation now live. */
export interface ActionResult {
  ok: true;
  generation: number;
  /** Human-readable summary of what changed. */
  message: string;
}

// ---------------------------------------------------------------- evolutions

export type EvolutionOutcome =
  | 'pending'
  | 'awaiting_approval'
  | 'applied'
  | 'rejected'
  | 'failed'
  | 'duplicate'
  | 'empty';

export interface EvolutionOpSummary {
  op: 'add' | 'update' | 'retire' | (string & {});
  name: string;
}

export interface EvolutionListItem {
  id: number;
  created_at: number;
  trigger: string;
  outcome: EvolutionOutcome;
  reason: string | null;
  generation: number | null;
  ops: EvolutionOpSummary[];
  support_turn_ids: string[];
}

export interface EvolutionReplay {
  turn_id: string;
  before: number | null;
  after: number | null;
  verdict: 'improved' | 'same' | 'worse' | 'unknown' | (string & {});
}

export interface EvolutionDetail extends EvolutionListItem {
  /** The evolver's reply: raw text plus the parsed ops (with their text). */
  proposal: { raw: string | null; ops: unknown };
  validation: unknown | null;
  safety: unknown | null;
  replays: EvolutionReplay[];
  /** The full verification record as stored (rule, counts, per-case details). */
  verification: unknown | null;
  decided_by: 'auto' | 'user' | null;
}

/** `POST /v1/admin/evolutions/:id/approve|reject` */
export interface EvolutionDecisionRequest {
  reason?: string;
}

export interface EvolutionDecisionResult {
  ok: true;
  evolution: EvolutionListItem;
}

// ---------------------------------------------------------------- generations

/** `POST /v1/admin/generations/:number/rollback` → the new generation that restores `restored`. */
export interface RollbackResult extends ActionResult {
  restored: number;
}

// ---------------------------------------------------------------- training and schedule

export interface TrainingStep {
  /** The step's row id (steps that trained nothing, `skipped`, have one too). */
  step: number;
  t: number;
  loss: number | null;
  /** Mean reward of the samples the step consumed. */
  reward_mean: number | null;
  /** Mean and (population) standard deviation of their advantages. */
  adv_mean: number | null;
  adv_std: number | null;
  /** Samples that carried a learning signal into the update. */
  samples_used: number;
  /** Samples dropped for lagging the policy by more than `rl.max_policy_lag` when this batch was taken. */
  stale: number;
  /** Samples consumed without a learning signal (zero advantage, or the whole batch when `status` is skipped). */
  skipped: number;
  /** `ok` | `skipped` | `failed`. */
  status: string;
  /** The policy version this step's weights became (null when it trained nothing). */
  policy_version?: number | null;
  checkpoint?: string | null;
}

export interface Training {
  /** `rl.enabled` in the running service; when false every list is empty. */
  enabled: boolean;
  /** Current policy version (0 = the fresh adapter); null when RL is off. */
  policy_version?: number | null;
  policy_versions: { version: number; created_at: number; checkpoint: string | null }[];
  /** Oldest first; the newest `?limit=` (default 200, at most 1000). */
  steps: TrainingStep[];
  /** Newest first, from the store's rl_failures (opening the session, heartbeat, step, checkpoint, swap). */
  errors: {
    t: number;
    kind: string;
    message: string;
    code?: string | null;
    /** When a later success of the same kind cleared it; null = still failing. */
    recovered_at?: number | null;
  }[];
  /** Samples by queue status (`used`, `stale`, …). */
  samples?: Record<string, number>;
}

export interface ScheduleSignal {
  name: string;
  /** The signal's explanation of its reading (e.g. `sleep hours 23:00–07:00 (6h left)`). */
  reading: string | number | boolean | null;
  /** The signal could be read (no error). */
  ok: boolean;
  /** Opens a window now (true), keeps it closed (false), or could not be read (null). */
  open?: boolean | null;
  /** The user is active: closes every window. */
  veto?: boolean;
  role?: 'schedule' | 'idle' | 'idle-fallback' | (string & {});
  /** Predicted end of this signal's window. */
  until?: number | null;
  error?: string | null;
}

export interface Schedule {
  /** `scheduler.enabled` in the running service; when false the rest is null or empty. */
  enabled: boolean;
  /** `idle_wait` | `window_open` | `training` | `preempting`. */
  state: string | null;
  since: number | null;
  /** Newest 50 transitions, oldest first. */
  timeline: { t: number; state: string; reason: string }[];
  /** The readings of the last evaluation (empty before the first tick). */
  signals: ScheduleSignal[];
  next_window: { start: number; end: number | null; source?: string; note?: string } | null;
  /** The last decision: window open or not, and why. */
  decision?: { at: number; open: boolean; reason: string; until: number | null } | null;
  /** Whether a trainer is attached (rl.schedule: scheduler). */
  trainer?: boolean;
  last_error?: string | null;
}

// ---------------------------------------------------------------- benchmarks

export interface BenchmarkRun {
  id: string;
  out_dir: string;
  data: string | null;
  conditions: unknown[];
  started_at: number;
  finished_at: number | null;
  summary: Record<string, unknown> | null;
  /** SVG file names under out_dir/plots (fetch via /v1/admin/benchmarks/:id/plots/:file). */
  plots: string[];
}

/** `GET /v1/admin/benchmarks/:id`: the run's report.json as written by `metaclaw bench run`. */
export type BenchmarkReport = Record<string, unknown>;

// ---------------------------------------------------------------- live events (SSE)

/** `GET /v1/admin/events` (text/event-stream; `?key=` accepted for EventSource). `event:` name → `data:` JSON. */
export interface AdminEventMap {
  turn: TurnSummary;
  evolution: EvolutionListItem;
  generation: { generation: number; cause: string };
  training_step: TrainingStep;
  alert: Alert;
  /** Sent when events were dropped for this (slow) client: refetch what is on screen. */
  resync: { dropped: number };
}

export type AdminEventName = keyof AdminEventMap;
