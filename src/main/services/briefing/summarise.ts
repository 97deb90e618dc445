/**
 * The updates summary through the assistant's router ("summarise" task: the user's providers in
 * order, a local GGUF model included, with failover). When only the extractive provider answers, the
 * briefing keeps its own extractive summary instead (null here).
 */
import type { Router } from '../assistant/router';
import type { Summariser } from './sections';

const CHARS_PER_TOKEN = 3.5;

export function routerSummariser(router: Pick<Router, 'route'>, maxTokens = 200): Summariser {
  return async ({ instruction, text, signal }) => {
    const r = await router.route({
      task: 'summarise',
      ...(signal ? { signal } : {}),
      build: (provider) => {
        // Leave room for the instruction and the answer in the provider's context window.
        const budget = Math.max(500, Math.floor((provider.contextSize - maxTokens - 200) * CHARS_PER_TOKEN));
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
    if (r.status !== 'done' || r.provider.kind === 'extractive' || !r.text.trim()) return null;
    return { text: r.text.trim(), by: r.provider.id };
  };
}
