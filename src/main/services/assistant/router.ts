/**
 * The provider router: for each task an ordered chain of providers; per attempt a time-to-first-token
 * and a total timeout; retries with backoff on 429 / 5xx (Retry-After respected up to a cap); failover
 * to the next provider when one fails BEFORE its first token; after the first token a failure ends
 * the answer honestly ("cut") with what was received. A circuit breaker per provider (closed ->
 * open after consecutive failures -> half-open after a cooldown, one trial) keeps a dead endpoint
 * from costing every request its timeout, and health probes (on start, and while a breaker is open)
 * close it again when the provider recovers.
 *
 * The router's own work per request is a few closures and two timers (bench: well under 1 ms).
 */
import { AppError } from '../../../shared/ipc/result';
import type { AssistantTask } from '../../../shared/types/assistant';
import { ProviderError, type Provider, type ProviderRequest, type StreamPart } from './providers/types';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface RouterTimeouts {
  firstTokenMs: number;
  totalMs: number;
  maxRetries: number;
  maxRetryWaitMs: number;
}

export interface RouterOptions {
  /** The providers to try for a task, in order (already filtered: enabled, allowed by privacy). */
  chain: (task: AssistantTask) => Provider[];
  timeouts: () => RouterTimeouts;
  /** Consecutive failures that open a provider's breaker. Default 3. */
  failureThreshold?: number;
  /** First cooldown of an open breaker (doubles while probes fail, up to maxCooldownMs). Default 30 s. */
  cooldownMs?: number;
  maxCooldownMs?: number;
  /** Backoff before a retry when no Retry-After came: base * 2^attempt (+ jitter). Default 250 ms. */
  backoffBaseMs?: number;
  /** Probe providers whose breaker opened, after the cooldown. Default true. */
  probeOpenBreakers?: boolean;
  onProviderChanged?: (e: { task: AssistantTask; provider: Provider; notice: string | null }) => void;
  onHealthChanged?: () => void;
  now?: () => number;
}

export interface ProviderFailure {
  provider: Provider;
  error: ProviderError;
}

export interface RouteResult {
  text: string;
  provider: Provider;
  status: 'done' | 'cut' | 'stopped';
  notice: string | null;
  usage: {
    promptTokens: number;
    completionTokens: number;
    source: 'reported' | 'tokenizer' | 'estimate';
  } | null;
  failures: ProviderFailure[];
  attempts: number;
}

export interface RouteRequest {
  task: AssistantTask;
  /** Builds the request for a provider (prompt within its context budget). */
  build: (provider: Provider) => Omit<ProviderRequest, 'signal'> | Promise<Omit<ProviderRequest, 'signal'>>;
  /** Called with each new piece of text. */
  onDelta?: (delta: string) => void;
  /** Called when a provider is about to be tried (the UI may show "asking the local model..."). */
  onAttempt?: (provider: Provider) => void;
  signal?: AbortSignal;
}

interface Breaker {
  state: BreakerState;
  failures: number;
  openedAt: number;
  cooldownMs: number;
  trial: boolean;
  lastError: string | null;
  lastOkAt: number | null;
  probeTimer: NodeJS.Timeout | undefined;
}

class AttemptError extends Error {
  constructor(
    readonly error: ProviderError,
    readonly text: string,
    readonly started: boolean,
  ) {
    super(error.message);
  }
}

const NEVER_ABORTED = new AbortController().signal;

export class Router {
  private readonly breakers = new Map<string, Breaker>();
  private readonly lastProvider = new Map<AssistantTask, string>();
  private readonly now: () => number;
  private disposed = false;

  constructor(private readonly o: RouterOptions) {
    this.now = o.now ?? Date.now;
  }

  private breaker(id: string): Breaker {
    let b = this.breakers.get(id);
    if (!b) {
      b = {
        state: 'closed',
        failures: 0,
        openedAt: 0,
        cooldownMs: this.o.cooldownMs ?? 30_000,
        trial: false,
        lastError: null,
        lastOkAt: null,
        probeTimer: undefined,
      };
      this.breakers.set(id, b);
    }
    return b;
  }

  /** The breaker of a provider and its last error, for the status bar and providers.list. */
  health(id: string): { breaker: BreakerState; lastError: string | null; lastOkAt: number | null } {
    const b = this.breakers.get(id);
    return { breaker: b?.state ?? 'closed', lastError: b?.lastError ?? null, lastOkAt: b?.lastOkAt ?? null };
  }

  /** Whether a request may go to this provider now (moves an open breaker past its cooldown to half-open). */
  private allow(id: string): boolean {
    const b = this.breaker(id);
    if (b.state === 'closed') return true;
    if (b.state === 'open') {
      if (this.now() - b.openedAt < b.cooldownMs) return false;
      b.state = 'half-open';
      b.trial = false;
      this.o.onHealthChanged?.();
    }
    if (b.trial) return false;
    b.trial = true;
    return true;
  }

  private succeeded(id: string): void {
    const b = this.breaker(id);
    const changed = b.state !== 'closed' || b.lastError !== null;
    b.state = 'closed';
    b.failures = 0;
    b.trial = false;
    b.cooldownMs = this.o.cooldownMs ?? 30_000;
    b.lastError = null;
    b.lastOkAt = this.now();
    if (b.probeTimer) clearTimeout(b.probeTimer);
    b.probeTimer = undefined;
    if (changed) this.o.onHealthChanged?.();
  }

  private failed(provider: Provider, error: ProviderError): void {
    if (error.kind === 'aborted') return;
    const b = this.breaker(provider.id);
    b.lastError = `${reasonText(error)}`;
    b.trial = false;
    if (b.state === 'half-open') {
      b.cooldownMs = Math.min(b.cooldownMs * 2, this.o.maxCooldownMs ?? 300_000);
      this.open(provider, b);
    } else if (++b.failures >= (this.o.failureThreshold ?? 3) && b.state === 'closed') {
      this.open(provider, b);
    }
    this.o.onHealthChanged?.();
  }

  private open(provider: Provider, b: Breaker): void {
    b.state = 'open';
    b.openedAt = this.now();
    if (b.probeTimer) clearTimeout(b.probeTimer);
    b.probeTimer = undefined;
    if (this.o.probeOpenBreakers === false || this.disposed) return;
    b.probeTimer = setTimeout(() => {
      b.probeTimer = undefined;
      void this.probe(provider);
    }, b.cooldownMs);
    b.probeTimer.unref();
  }

  /**
   * Checks one provider now. An open breaker past its cooldown becomes half-open and the probe is
   * its trial: success closes it, failure opens it again for a longer cooldown.
   */
  async probe(provider: Provider): Promise<{ ok: boolean; message: string }> {
    const b = this.breaker(provider.id);
    if (b.state === 'open' && this.now() - b.openedAt >= b.cooldownMs) {
      b.state = 'half-open';
      b.trial = false;
    }
    const ac = new AbortController();
    const t = setTimeout(
      () => ac.abort(new ProviderError('timeout', 'the health check timed out')),
      Math.max(this.o.timeouts().firstTokenMs, 1000),
    );
    try {
      await raceSignal(provider.probe(ac.signal), ac.signal);
      this.succeeded(provider.id);
      return { ok: true, message: `${provider.name} answers.` };
    } catch (e) {
      const err = asProviderError(e, ac.signal);
      if (b.state === 'closed') {
        // A failed probe of a healthy-looking provider counts as one failure.
        this.failed(provider, err);
      } else this.failed(provider, err);
      return { ok: false, message: `${provider.name} ${reasonText(err)}.` };
    } finally {
      clearTimeout(t);
    }
  }

  /** Probes every provider of every chain once (on start). */
  async probeAll(tasks: readonly AssistantTask[] = ['chat']): Promise<void> {
    const seen = new Map<string, Provider>();
    for (const t of tasks) for (const p of this.o.chain(t)) seen.set(p.id, p);
    await Promise.all([...seen.values()].map((p) => this.probe(p)));
  }

  async route(req: RouteRequest): Promise<RouteResult> {
    const signal = req.signal ?? NEVER_ABORTED;
    const chain = this.o.chain(req.task);
    const t = this.o.timeouts();
    const failures: ProviderFailure[] = [];
    let attempts = 0;
    for (const provider of chain) {
      if (!this.allow(provider.id)) {
        failures.push({
          provider,
          error: new ProviderError('unavailable', 'paused after repeated failures'),
        });
        continue;
      }
      if (provider.prepare) {
        try {
          await provider.prepare();
        } catch (e) {
          const error = asProviderError(e, NEVER_ABORTED);
          this.failed(provider, error);
          failures.push({ provider, error });
          continue;
        }
      }
      const built = await req.build(provider);
      for (let retry = 0; ; retry++) {
        if (signal.aborted) return this.stopped(provider, '', failures, attempts);
        attempts++;
        req.onAttempt?.(provider);
        try {
          const pt = provider.timeouts ? { ...t, ...provider.timeouts } : t;
          const { text, usage } = await this.attempt(provider, built, signal, pt, req.onDelta);
          this.succeeded(provider.id);
          const notice = failures.length ? failoverNotice(provider, failures) : null;
          this.announce(req.task, provider, notice);
          return { text, provider, status: 'done', notice, usage, failures, attempts };
        } catch (e) {
          const a = e as AttemptError;
          if (signal.aborted) {
            if (a.started) this.succeeded(provider.id);
            return this.stopped(provider, a.text ?? '', failures, attempts);
          }
          this.failed(provider, a.error);
          if (a.started) {
            // Tokens already reached the user: do not splice another model's answer onto them.
            const before = failures.length ? `${failoverNotice(provider, failures)} ` : '';
            const notice = `${before}${label(provider, true)} stopped mid-answer (${reasonText(a.error)}); the answer is incomplete.`;
            this.announce(req.task, provider, notice);
            return { text: a.text, provider, status: 'cut', notice, usage: null, failures, attempts };
          }
          const wait = retryWait(a.error, retry, t, this.o.backoffBaseMs ?? 250);
          if (wait === undefined) {
            failures.push({ provider, error: a.error });
            break;
          }
          try {
            await sleep(wait, signal);
          } catch {
            return this.stopped(provider, '', failures, attempts);
          }
          // A retry is a new trial only while the breaker lets requests through.
          if (this.breaker(provider.id).state === 'open') {
            failures.push({ provider, error: a.error });
            break;
          }
        }
      }
    }
    throw new AppError(
      'UNAVAILABLE',
      failures.length
        ? `No provider could answer: ${failures.map((f) => `${f.provider.name} ${reasonText(f.error)}`).join('; ')}.`
        : 'No provider is enabled for this task.',
    );
  }

  private stopped(
    provider: Provider,
    text: string,
    failures: ProviderFailure[],
    attempts: number,
  ): RouteResult {
    return { text, provider, status: 'stopped', notice: null, usage: null, failures, attempts };
  }

  private announce(task: AssistantTask, provider: Provider, notice: string | null): void {
    if (this.lastProvider.get(task) === provider.id && notice === null) return;
    this.lastProvider.set(task, provider.id);
    this.o.onProviderChanged?.({ task, provider, notice });
  }

  private async attempt(
    provider: Provider,
    built: Omit<ProviderRequest, 'signal'>,
    outer: AbortSignal,
    t: RouterTimeouts,
    onDelta: ((delta: string) => void) | undefined,
  ): Promise<{ text: string; usage: RouteResult['usage'] }> {
    const ac = new AbortController();
    const onOuter = (): void => ac.abort(new ProviderError('aborted', 'stopped'));
    outer.addEventListener('abort', onOuter, { once: true });
    const first = setTimeout(
      () => ac.abort(new ProviderError('timeout', `no first token within ${t.firstTokenMs} ms`)),
      t.firstTokenMs,
    );
    const total = setTimeout(
      () => ac.abort(new ProviderError('timeout', `no complete answer within ${t.totalMs} ms`)),
      t.totalMs,
    );
    let text = '';
    let started = false;
    let usage: RouteResult['usage'] = null;
    let it: AsyncIterator<StreamPart> | undefined;
    let done = false;
    // One promise per attempt that rejects on abort: a provider that ignores its signal still stops.
    const aborted = new Promise<never>((_, reject) =>
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason as Error), { once: true }),
    );
    aborted.catch(() => undefined);
    try {
      it = provider.stream({ ...built, signal: ac.signal })[Symbol.asyncIterator]();
      for (;;) {
        const r = await Promise.race([it.next(), aborted]);
        if (r.done) {
          done = true;
          break;
        }
        const part = r.value;
        if (part.type === 'delta') {
          if (!started) {
            started = true;
            clearTimeout(first);
          }
          text += part.text;
          onDelta?.(part.text);
        } else
          usage = {
            promptTokens: part.promptTokens,
            completionTokens: part.completionTokens,
            source: part.source,
          };
      }
      if (!started) throw new ProviderError('bad_response', 'the answer was empty');
      return { text, usage };
    } catch (e) {
      throw new AttemptError(asProviderError(e, ac.signal), text, started);
    } finally {
      clearTimeout(first);
      clearTimeout(total);
      outer.removeEventListener('abort', onOuter);
      if (!done) {
        if (!ac.signal.aborted) ac.abort(new ProviderError('aborted', 'stopped'));
        void it?.return?.()?.catch(() => undefined);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const b of this.breakers.values()) if (b.probeTimer) clearTimeout(b.probeTimer);
  }
}

function asProviderError(e: unknown, signal: AbortSignal): ProviderError {
  if (signal.aborted && signal.reason instanceof ProviderError) return signal.reason;
  if (e instanceof ProviderError) return e;
  if (e instanceof AppError) return new ProviderError('unavailable', e.message);
  return new ProviderError('bad_response', (e as Error)?.message ?? String(e));
}

function retryWait(e: ProviderError, retry: number, t: RouterTimeouts, base: number): number | undefined {
  if (!e.retryable || retry >= t.maxRetries) return undefined;
  if (e.retryAfterMs !== undefined) return e.retryAfterMs <= t.maxRetryWaitMs ? e.retryAfterMs : undefined;
  return Math.min(t.maxRetryWaitMs, base * 2 ** retry * (1 + Math.random() * 0.2));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** How the notice names a provider: "the local model", "OpenAI". */
export function label(p: Provider, capital = false): string {
  const s =
    p.kind === 'local-gguf'
      ? 'the local model'
      : p.kind === 'extractive'
        ? 'the extractive fallback (no model)'
        : p.name;
  return capital ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

export function reasonText(e: ProviderError): string {
  switch (e.kind) {
    case 'timeout':
      return 'timed out';
    case 'rate_limit':
      return 'was rate-limited (HTTP 429)';
    case 'server':
      return `failed (HTTP ${e.status ?? 500})`;
    case 'auth':
      return 'refused the API key';
    case 'bad_request':
      return `refused the request (HTTP ${e.status ?? 400})`;
    case 'bad_response':
      return 'sent a malformed response';
    case 'cut':
      return 'cut the stream';
    case 'aborted':
      return 'was stopped';
    case 'unavailable':
      return e.message === 'paused after repeated failures'
        ? 'is paused after repeated failures'
        : 'is unavailable';
  }
}

export function failoverNotice(answeredBy: Provider, failures: readonly ProviderFailure[]): string {
  const why = failures.map((f) => `${f.provider.name} ${reasonText(f.error)}`).join('; ');
  return `Answered by ${label(answeredBy)}: ${why}.`;
}
