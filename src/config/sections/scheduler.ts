import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');

function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const calendarSection = z
  .object({
    /** iCalendar feeds: http(s)/webcal URLs (e.g. a Google "secret address") or file paths (relative = under home). */
    ics: z.array(z.string().min(1)).default([]),
    /** Only events whose summary or categories contain one of these count; empty = every busy event. */
    keywords: z.array(z.string().min(1)).default([]),
    /** All-day events (holidays, birthdays) are ignored unless this is set. */
    include_all_day: z.boolean().default(false),
    refresh_minutes: z.number().positive().default(15),
    lookahead_hours: z
      .number()
      .positive()
      .max(24 * 31)
      .default(48),
    timeout_ms: z.number().int().positive().default(15_000),
  })
  .strict();

/** Opportunistic-window scheduler settings (issue: scheduler). Owned by src/scheduler/. */
export const schedulerSection = z
  .object({
    /** Run the scheduler loop inside the service (it gates training; `metaclaw scheduler explain` works regardless). */
    enabled: z.boolean().default(false),
    /** IANA time zone for sleep hours and floating calendar times; unset = this machine's zone. */
    timezone: z.string().refine(knownTimeZone, 'unknown IANA time zone').optional(),
    tick_seconds: z.number().positive().default(30),
    /** A window opens only if it is predicted to last at least this long. */
    min_window_minutes: z.number().min(0).default(20),
    /** A proxied request this recent means the user is active: no window. 0 = no veto. */
    active_veto_minutes: z.number().min(0).default(10),
    sleep_enabled: z.boolean().default(true),
    sleep_start: hhmm.default('23:00'),
    sleep_end: hhmm.default('07:00'),
    idle_enabled: z.boolean().default(true),
    idle_threshold_minutes: z.number().positive().default(30),
    /** Proxy inactivity that opens a window when system idle time is unavailable. 0 = never. */
    proxy_idle_minutes: z.number().min(0).default(30),
    /** Upper bound on one signal read (commands, calendar fetch). */
    signal_timeout_ms: z.number().int().positive().default(5_000),
    error_backoff_minutes: z.number().min(0).default(10),
    /** How long shutdown waits for a preempted training run to finish its step and checkpoint. */
    preempt_grace_seconds: z.number().min(0).default(60),
    calendar: calendarSection.default(calendarSection.parse({})),
  })
  .strict()
  .refine((s) => s.sleep_start !== s.sleep_end, {
    message: 'sleep_start and sleep_end must differ',
    path: ['sleep_end'],
  });

export type SchedulerConfig = z.infer<typeof schedulerSection>;
