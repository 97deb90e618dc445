import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Router, type RouterTimeouts } from '../../../src/main/services/assistant/router';
import { OpenAiProvider } from '../../../src/main/services/assistant/providers/openaiProvider';
import { ExtractiveProvider } from '../../../src/main/services/assistant/providers/extractiveProvider';
import type { Provider } from '../../../src/main/services/assistant/providers/types';
import { startFaultServer, type FaultServer } from './faultServer';

let server: FaultServer;
let openai: Provider;
let backup: FaultServer;
let second: Provider;
const extractive = new ExtractiveProvider();
const passages = [
  {
    n: 1,
    kind: 'document' as const,
    rank: 0,
    text: 'The ferry to Oban leaves at noon. Tickets are sold on board.',
  },
];

beforeAll(async () => {
  server = await startFaultServer();
  backup = await startFaultServer();
  openai = new OpenAiProvider({
    id: 'openai',
    name: 'OpenAI',
    baseUrl: server.url,
    model: 'fault',
    getKey: async () => 'sk-test',
  });
  second = new OpenAiProvider({
    id: 'lmstudio',
    name: 'LM Studio',
    baseUrl: backup.url,
    model: 'fault',
    getKey: async () => null,
  });
});
afterAll(async () => {
  await server.close();
  await backup.close();
});
beforeEach(() => {
  server.setMode('healthy');
  backup.setMode('healthy');
  server.requests.length = 0;
  server.retryAfterSeconds = 0;
});

const timeouts: RouterTimeouts = { firstTokenMs: 400, totalMs: 3000, maxRetries: 1, maxRetryWaitMs: 2000 };

function router(
  chain: Provider[],
  extra: Partial<ConstructorParameters<typeof Router>[0]> = {},
): {
  r: Router;
  changes: Array<{ provider: string; notice: string | null }>;
} {
  const changes: Array<{ provider: string; notice: string | null }> = [];
  const r = new Router({
    chain: () => chain,
    timeouts: () => timeouts,
    backoffBaseMs: 10,
    probeOpenBreakers: false,
    onProviderChanged: (e) => changes.push({ provider: e.provider.id, notice: e.notice }),
    ...extra,
  });
  return { r, changes };
}

async function ask(r: Router): Promise<Awaited<ReturnType<Router['route']>> & { streamed: string }> {
  let streamed = '';
  const res = await r.route({
    task: 'chat',
    build: () => ({
      messages: [{ role: 'user', content: 'When does the ferry leave?' }],
      question: 'When does the ferry leave?',
      passages,
      maxTokens: 64,
    }),
    onDelta: (d) => (streamed += d),
  });
  return { ...res, streamed };
}

describe('router against a fault-injecting OpenAI-compatible server', () => {
  it('healthy: the first provider answers, no notice, usage reported by the endpoint', async () => {
    const { r, changes } = router([openai, extractive]);
    const res = await ask(r);
    expect(res.status).toBe('done');
    expect(res.text).toBe('The ferry leaves at noon [1].');
    expect(res.streamed).toBe(res.text);
    expect(res.notice).toBeNull();
    expect(res.provider.id).toBe('openai');
    expect(res.usage).toEqual({ promptTokens: 42, completionTokens: 6, source: 'reported' });
    expect(server.requests[0]!.authorization).toBe('Bearer sk-test');
    expect(changes).toEqual([{ provider: 'openai', notice: null }]);
  });

  it('timeout before the first token: fails over, the notice says so', async () => {
    server.setMode('timeout');
    const { r, changes } = router([openai, extractive]);
    const res = await ask(r);
    expect(res.provider.id).toBe('extractive');
    expect(res.notice).toBe('Answered by the extractive fallback (no model): OpenAI timed out.');
    expect(res.text).toBe('The ferry to Oban leaves at noon [1].');
    expect(changes.at(-1)).toEqual({ provider: 'extractive', notice: res.notice });
  });

  it('slow first token: past the first-token timeout it fails over to the next endpoint', async () => {
    server.setMode('slow_first_token');
    server.delayMs = 1000;
    const { r } = router([openai, second, extractive]);
    const res = await ask(r);
    expect(res.provider.id).toBe('lmstudio');
    expect(res.notice).toBe('Answered by LM Studio: OpenAI timed out.');
    expect(res.text).toBe('The ferry leaves at noon [1].');
  });

  it('slow first token within the limit is waited for', async () => {
    server.setMode('slow_first_token');
    server.delayMs = 150;
    const { r } = router([openai, extractive]);
    const res = await ask(r);
    expect(res.provider.id).toBe('openai');
    expect(res.notice).toBeNull();
  });

  it('429 with Retry-After: waits that long, retries and succeeds on the same provider', async () => {
    server.setMode(['rate_limit', 'healthy']);
    server.retryAfterSeconds = 1;
    const { r } = router([openai, extractive]);
    const t0 = Date.now();
    const res = await ask(r);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(res.provider.id).toBe('openai');
    expect(res.attempts).toBe(2);
    expect(res.notice).toBeNull();
    expect(res.text).toBe('The ferry leaves at noon [1].');
  });

  it('429 with a Retry-After longer than the cap: fails over at once', async () => {
    server.setMode('rate_limit');
    server.retryAfterSeconds = 60;
    const { r } = router([openai, extractive]);
    const t0 = Date.now();
    const res = await ask(r);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(res.notice).toBe(
      'Answered by the extractive fallback (no model): OpenAI was rate-limited (HTTP 429).',
    );
    expect(server.requests.filter((q) => q.path.endsWith('/chat/completions'))).toHaveLength(1);
  });

  it('500 twice: retried with backoff, then fails over', async () => {
    server.setMode('server_error');
    const { r } = router([openai, extractive]);
    const res = await ask(r);
    expect(server.requests.filter((q) => q.path.endsWith('/chat/completions'))).toHaveLength(2);
    expect(res.notice).toBe('Answered by the extractive fallback (no model): OpenAI failed (HTTP 500).');
    expect(res.text).toContain('[1]');
  });

  it('malformed JSON: fails over with a notice', async () => {
    server.setMode('malformed');
    const { r } = router([openai, extractive]);
    const res = await ask(r);
    expect(res.provider.id).toBe('extractive');
    expect(res.notice).toBe(
      'Answered by the extractive fallback (no model): OpenAI sent a malformed response.',
    );
  });

  it('stream cut mid-answer: keeps what arrived and says the answer is incomplete (no splice)', async () => {
    server.setMode('cut');
    const { r } = router([openai, extractive]);
    const res = await ask(r);
    expect(res.status).toBe('cut');
    expect(res.provider.id).toBe('openai');
    expect(res.text).toBe('The ferry ');
    expect(res.streamed).toBe('The ferry ');
    expect(res.notice).toBe('OpenAI stopped mid-answer (cut the stream); the answer is incomplete.');
  });

  it('stopping a request returns what was received with status stopped', async () => {
    server.setMode('slow_first_token');
    server.delayMs = 200;
    const { r } = router([openai, extractive]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const res = await r.route({
      task: 'chat',
      build: () => ({ messages: [{ role: 'user', content: 'q' }], question: 'q', passages, maxTokens: 8 }),
      signal: ac.signal,
    });
    expect(res.status).toBe('stopped');
    expect(res.text).toBe('');
  });

  it('circuit breaker: opens after consecutive failures, skips the provider, half-open trial closes it', async () => {
    let now = 1_000_000;
    server.setMode('server_error');
    const { r } = router([openai, extractive], { failureThreshold: 2, cooldownMs: 10_000, now: () => now });
    const t = { ...timeouts, maxRetries: 0 };
    Object.assign(timeouts, t);
    try {
      await ask(r);
      expect(r.health('openai').breaker).toBe('closed');
      await ask(r);
      expect(r.health('openai').breaker).toBe('open');
      const before = server.requests.length;
      const skipped = await ask(r);
      expect(server.requests.length).toBe(before); // not even tried
      expect(skipped.notice).toBe(
        'Answered by the extractive fallback (no model): OpenAI is paused after repeated failures.',
      );

      // Half-open: after the cooldown one trial goes through; it fails -> open again.
      now += 10_001;
      const failedTrial = await ask(r);
      expect(server.requests.length).toBe(before + 1);
      expect(failedTrial.notice).toContain('OpenAI failed (HTTP 500)');
      expect(r.health('openai').breaker).toBe('open');

      // The cooldown doubled; after it a healthy trial closes the breaker.
      server.setMode('healthy');
      now += 10_001;
      expect((await ask(r)).provider.id).toBe('extractive');
      now += 10_000;
      const recovered = await ask(r);
      expect(recovered.provider.id).toBe('openai');
      expect(recovered.notice).toBeNull();
      expect(r.health('openai').breaker).toBe('closed');
    } finally {
      Object.assign(timeouts, { maxRetries: 1 });
    }
  });

  it('a health probe closes an open breaker when the endpoint recovers', async () => {
    let now = 0;
    server.setMode('server_error');
    const { r } = router([openai, extractive], { failureThreshold: 1, cooldownMs: 5000, now: () => now });
    await ask(r);
    expect(r.health('openai').breaker).toBe('open');
    server.setMode('healthy');
    now += 5000;
    expect(await r.probe(openai)).toEqual({ ok: true, message: 'OpenAI answers.' });
    expect(r.health('openai').breaker).toBe('closed');
    server.setMode('timeout');
    const probe = await r.probe(second);
    expect(probe.ok).toBe(true);
  });

  it('with every provider failing it reports each reason', async () => {
    server.setMode('server_error');
    backup.setMode('timeout');
    const { r } = router([openai, second], {});
    await expect(ask(r)).rejects.toThrow(
      'No provider could answer: OpenAI failed (HTTP 500); LM Studio timed out.',
    );
  });
});
