/**
 * The updates summary through the assistant's router ("summarise" task: the user's providers in
 * order, a local GGUF model included, with failover). When only the extractive provider answers, the
 * briefing keeps its own extractive summary instead (null here).
 */
import type { Router } from '../assistant/router';
import type { Summariser } from './sections';

const CHARS_PER_TOKEN = 3.5;
/**
 * Longest digest sent: a CPU model evaluates the prompt at tens of tokens a second (SmolLM2-135M on
 * 2 busy cores: ~14/s), so ~600 tokens of digest keeps a local summary near a minute at worst.
 */
const MAX_DIGEST_CHARS = 2000;

/**
 * Whether a model's summary is worth showing: small models loop ("design market design market ...")
 * or echo the prompt's layout. Refused: any 3-word sequence said twice, fewer than 40%
 * distinct words in a long text, or the digest's own "Folder ...:" lines.
 */
export function usableSummary(text: string): boolean {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  if (words.length < 3) return false;
  if (/^\s*folder\b.*:/im.test(text)) return false;
  const seen = new Map<string, number>();
  for (let i = 0; i + 2 < words.length; i++) {
    const k = `${words[i]} ${words[i + 1]} ${words[i + 2]}`;
    const n = (seen.get(k) ?? 0) + 1;
    if (n >= 2) return false;
    seen.set(k, n);
  }
  return !(words.length > 20 && new Set(words).size / words.length < 0.4);
}

export function routerSummariser(router: Pick<Router, 'route'>, maxTokens = 160): Summariser {
  return async ({ instruction, text, signal }) => {
    const r = await router.route({
      task: 'summarise',
      ...(signal ? { signal } : {}),
      build: (provider) => {
        // Leave room for the instruction and the answer in the provider's context window.
        const budget = Math.min(
          MAX_DIGEST_CHARS,
          Math.max(500, Math.floor((provider.contextSize - maxTokens - 200) * CHARS_PER_TOKEN)),
        );
        const body = text.length > budget ? text.slice(0, budget) : text;
        return {
          messages: [
            { role: 'system', content: instruction },
            { role: 'user', content: body },
          ],
          question: instruction,
          passages: [],
          maxTokens,
          temperature: 0.2,
        };
      },
    });
    if (r.status !== 'done' || r.provider.kind === 'extractive' || !usableSummary(r.text)) return null;
    return { text: r.text.trim(), by: r.provider.id };
  };
}
