import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.js';

describe('scheduler config section', () => {
  it('defaults', () => {
    const s = validateConfig({}).scheduler;
    expect(s).toMatchObject({
      enabled: false,
      min_window_minutes: 20,
      active_veto_minutes: 10,
      sleep_start: '23:00',
      sleep_end: '07:00',
      idle_threshold_minutes: 30,
      proxy_idle_minutes: 30,
      calendar: { ics: [], keywords: [], include_all_day: false, refresh_minutes: 15 },
    });
    expect(s.timezone).toBeUndefined();
  });

  it('errors name the key', () => {
    expect(() => validateConfig({ scheduler: { timezone: 'Mars/Olympus' } })).toThrow(
      /scheduler\.timezone: unknown IANA time zone/,
    );
    expect(() => validateConfig({ scheduler: { sleep_start: '25:00' } })).toThrow(
      /scheduler\.sleep_start: expected HH:MM/,
    );
    expect(() => validateConfig({ scheduler: { sleep_start: '07:00', sleep_end: '07:00' } })).toThrow(
      /scheduler\.sleep_end: sleep_start and sleep_end must differ/,
    );
    expect(() => validateConfig({ scheduler: { calendar: { url: 'x' } } })).toThrow(
      /scheduler\.calendar\.url: unknown key/,
    );
  });
});
