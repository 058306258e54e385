import { describe, expect, it } from 'vitest';
import { TaskPins } from '../../../src/skills/pins.js';

const pin = (text: string) => ({ generation: 1, text, revisionIds: [1] });

describe('task pins', () => {
  it('live as long as their session', () => {
    const pins = new TaskPins();
    pins.set('s1', 'task-a', pin('block'));
    expect(pins.get('s1', 'task-a')?.text).toBe('block');
    expect(pins.get('s2', 'task-a')).toBeUndefined();
    pins.forgetSession('s1');
    expect(pins.get('s1', 'task-a')).toBeUndefined();
    expect(pins.sessionCount).toBe(0);
  });

  it('past the byte cap the least recently used sessions go first, never the one being written', () => {
    const pins = new TaskPins(2000);
    pins.set('old', 't', pin('x'.repeat(300)));
    pins.set('used', 't', pin('y'.repeat(300)));
    pins.get('old', 't'); // now more recent than "used"
    pins.set('new', 't', pin('z'.repeat(400)));
    expect(pins.get('used', 't')).toBeUndefined();
    expect(pins.get('old', 't')?.text).toHaveLength(300);
    expect(pins.get('new', 't')?.text).toHaveLength(400);
    const big = new TaskPins(100);
    big.set('only', 't', pin('w'.repeat(1000)));
    expect(big.get('only', 't')).toBeDefined();
  });
});
