/**
 * How many cores the machine has been keeping busy, sampled in the background from os.cpus() over the
 * last `windowMs`. This process counts too: in the app the knowledge worker's embedding threads live
 * in the same process as the voice worker, and they take cores just like another program would.
 *
 * For whisper.cpp's thread count: its threads spin while they wait for each other, so one more
 * thread than there are free cores is catastrophic (measured on 2 cores with one busy: a command took
 * 2.8 s on 2 threads against 0.34 s on 1), while on idle cores the same 2 threads are 1.6x faster
 * than 1. The choice is made per transcription from what the machine did just before.
 */
import os from 'node:os';

interface Sample {
  at: number;
  /** Busy ms summed over all cores (user + nice + sys + irq). */
  busy: number;
}

function sample(): Sample {
  let busy = 0;
  for (const c of os.cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return { at: performance.now(), busy };
}

export class CpuShare {
  private samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs = 250,
    private readonly windowMs = 1000,
  ) {}

  /** Starts sampling (idempotent); the timer does not keep the process alive. */
  start(): this {
    if (this.timer) return this;
    this.samples = [sample()];
    this.timer = setInterval(() => {
      this.samples.push(sample());
      const keep = Math.ceil(this.windowMs / this.intervalMs) + 1;
      if (this.samples.length > keep) this.samples.splice(0, this.samples.length - keep);
    }, this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Cores kept busy on average over the window (0 .. cores), or null before there is a window to
   * judge by (just started): callers then assume the machine is busy.
   */
  busyCores(): number | null {
    const first = this.samples[0];
    if (!first) return null;
    const now = sample();
    const ms = now.at - first.at;
    if (ms < this.intervalMs) return null;
    return Math.max(0, (now.busy - first.busy) / ms);
  }
}

/**
 * whisper.cpp threads for one transcription: every core (at most 4) when the machine has been idle
 * (under a third of a core busy: listening to the microphone costs a few percent), else `fallback`
 * (one fewer than the cores, so spinning threads never fight other work for a core).
 */
export function sttThreadsFor(
  busyCores: number | null,
  fallback: number,
  cores = os.availableParallelism(),
): number {
  const all = Math.max(1, Math.min(4, cores));
  return busyCores !== null && busyCores < 0.3 ? Math.max(all, fallback) : fallback;
}
