/**
 * The updates summary through the router: a model's text is used only when it reads as a summary;
 * what SmolLM2-135M wrote in the benchmark (a loop echoing the prompt) is refused, and the extractive
 * provider's answer never replaces the briefing's own extractive summary.
 */
import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/main/services/assistant/router';
import { ExtractiveProvider } from '../../../src/main/services/assistant/providers/extractiveProvider';
import { routerSummariser, usableSummary } from '../../../src/main/services/briefing/summarise';

describe('briefing summaries', () => {
  it('refuses looping or prompt-echoing model output, accepts a plain summary', () => {
    // Verbatim from bench/briefing.bench.ts with SmolLM2-135M (BENCHMARKS.md).
    expect(
      usableSummary(
        'Folder corpus/alpha (77 new): - Portfolio design market design market. Design market design. Design market design. Design market design.',
      ),
    ).toBe(false);
    expect(usableSummary('Design market design market design market.')).toBe(false);
    expect(usableSummary('ok')).toBe(false);
    expect(
      usableSummary(
        'Seventy-seven new project notes arrived in alpha, most about the quantum ledger pilot and the heatpump rollout. The admin folder has two changed invoices.',
      ),
    ).toBe(true);
  });

  it('when only the extractive provider answers, the briefing keeps its own summary (null)', async () => {
    const router = new Router({
      chain: () => [new ExtractiveProvider()],
      timeouts: () => ({ firstTokenMs: 10_000, totalMs: 10_000, maxRetries: 0, maxRetryWaitMs: 0 }),
      probeOpenBreakers: false,
    });
    const summarise = routerSummariser(router);
    expect(
      await summarise({
        instruction: 'Summarise what changed.',
        text: 'alpha, 2 new: Plan (The plan moved ahead).',
      }),
    ).toBeNull();
    router.dispose();
  });
});
