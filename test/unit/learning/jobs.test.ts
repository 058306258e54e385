import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { JobRunner, RetryLater } from '../../../src/learning/jobs/runner.js';
import { openStore } from '../../../src/store/db.js';
import { JobQueue } from '../../../src/store/jobs.js';

const log = pino({ level: 'silent' });

describe('JobQueue', () => {
  it('enqueues once per dedupe key and hands running jobs back after a crash', () => {
    const q = new JobQueue(openStore(':memory:'));
    expect(q.enqueue('judge', { t: 1 }, { dedupeKey: 'judge:1' })).not.toBeNull();
    expect(q.enqueue('judge', { t: 1 }, { dedupeKey: 'judge:1' })).toBeNull();
    const job = q.claim(['judge'])!;
    expect(job.state).toBe('running');
    expect(job.attempts).toBe(1);
    expect(q.claim(['judge'])).toBeNull();
    expect(q.recover()).toBe(1);
    expect(q.claim(['judge'])!.attempts).toBe(2);
  });

  it('failures are retried later with the error visible, then fail for good', () => {
    const q = new JobQueue(openStore(':memory:'));
    const id = q.enqueue('x', {}, { now: 0, runAfter: 0 })!;
    q.claim(['x'], 0);
    q.fail(id, 'judge unreachable', 5000, 1);
    expect(q.claim(['x'], 100)).toBeNull();
    expect(q.recentErrors()[0]).toMatchObject({ kind: 'x', error: 'judge unreachable', state: 'pending' });
    expect(q.claim(['x'], 5000)).not.toBeNull();
    q.fail(id, 'still down', null);
    expect(q.counts().failed).toBe(1);
  });
});

describe('JobRunner', () => {
  it('runs jobs with a concurrency limit and retries failures', async () => {
    const q = new JobQueue(openStore(':memory:'));
    const r = new JobRunner(q, log, 20);
    let active = 0;
    let maxActive = 0;
    const seen: number[] = [];
    let failedOnce = false;
    r.register({
      kind: 'work',
      concurrency: 2,
      async run(job) {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((res) => setTimeout(res, 20));
        active--;
        const n = (job.payload as { n: number }).n;
        if (n === 3 && !failedOnce) {
          failedOnce = true;
          throw new RetryLater('try again soon', 10);
        }
        seen.push(n);
      },
    });
    for (let n = 0; n < 6; n++) q.enqueue('work', { n });
    r.start();
    await new Promise((res) => setTimeout(res, 400));
    await r.idle();
    await r.stop();
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxActive).toBe(2);
    expect(q.counts()).toMatchObject({ done: 6, pending: 0, running: 0 });
  });
});
