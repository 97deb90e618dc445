/**
 * whisper's thread count per transcription: every core only when the machine has been idle, since
 * its spinning threads are catastrophic on a core something else is using (cpuShare.ts).
 */
import { describe, expect, it } from 'vitest';
import { CpuShare, sttThreadsFor } from '../../../src/main/services/inference/cpuShare';

describe('whisper threads from how busy the machine is', () => {
  it('every core (at most 4) only when under a third of a core was busy; else the fallback', () => {
    expect(sttThreadsFor(0.05, 1, 2)).toBe(2);
    expect(sttThreadsFor(0.29, 1, 2)).toBe(2);
    expect(sttThreadsFor(0.3, 1, 2)).toBe(1);
    expect(sttThreadsFor(1.5, 1, 2)).toBe(1);
    // Not measured yet: assume busy.
    expect(sttThreadsFor(null, 1, 2)).toBe(1);
    expect(sttThreadsFor(0, 3, 4)).toBe(4);
    expect(sttThreadsFor(0, 4, 16)).toBe(4);
    expect(sttThreadsFor(2, 3, 4)).toBe(3);
    expect(sttThreadsFor(0, 1, 1)).toBe(1);
  });

  it('sees a core kept busy within its window (and says nothing before it has one)', async () => {
    const meter = new CpuShare(100, 1000);
    expect(meter.busyCores()).toBeNull();
    meter.start();
    expect(meter.busyCores()).toBeNull();
    // Keep this thread busy for 0.8 s, yielding now and then so the sampler's timer runs.
    const until = performance.now() + 800;
    while (performance.now() < until) {
      const slice = performance.now() + 50;
      while (performance.now() < slice) Math.sqrt(Math.random());
      await new Promise((r) => setImmediate(r));
    }
    const busy = meter.busyCores();
    meter.stop();
    // At least most of one core (other work on the machine only adds to it).
    expect(busy).not.toBeNull();
    expect(busy!).toBeGreaterThan(0.6);
  });
});
