import { describe, expect, it } from 'vitest';
import {
  buildPrompt,
  mapCitations,
  relevantPassages,
  type RetrievedPassage,
} from '../../../src/main/services/assistant/grounding';
import { ExtractiveProvider } from '../../../src/main/services/assistant/providers/extractiveProvider';
import { parseMemoryCommand, impliedFacts } from '../../../src/main/services/assistant/memoryPatterns';
import type { Provider } from '../../../src/main/services/assistant/providers/types';

/** A provider with a small context and a word-count "tokenizer", to see the budget at work. */
function small(contextSize: number): Provider {
  const p = new ExtractiveProvider();
  return Object.assign(Object.create(p) as Provider, {
    contextSize,
    countTokens: (t: readonly string[]) =>
      Promise.resolve(t.map((x) => x.split(/\s+/).filter(Boolean).length)),
  });
}

const passage = (id: number, text: string, page: number | null = null): RetrievedPassage => ({
  chunkId: id,
  text,
  cosine: null,
  keyword: true,
  citation: {
    documentId: id,
    name: `doc${id}.pdf`,
    title: null,
    path: `/d/doc${id}.pdf`,
    format: 'pdf',
    page,
    headingPath: [],
    chunkOrdinal: 0,
    charStart: 0,
    charEnd: text.length,
  },
});

const words = (n: number, w = 'alpha'): string => Array.from({ length: n }, () => w).join(' ');

describe('prompt budget', () => {
  it('keeps the question and rules, fits sources best first (shortening the last), then the newest history', async () => {
    const history = [
      { role: 'user' as const, content: `old question ${words(100)}` },
      { role: 'assistant' as const, content: `old answer ${words(100)}` },
      { role: 'user' as const, content: 'recent question' },
      { role: 'assistant' as const, content: 'recent answer' },
    ];
    const built = await buildPrompt({
      provider: small(500),
      question: 'what about beta?',
      history,
      passages: [
        passage(1, words(150, 'beta'), 4),
        passage(2, words(150, 'gamma')),
        passage(3, words(150, 'delta')),
      ],
      memories: [],
      grounded: true,
      maxAnswerTokens: 100,
    });
    expect(built.promptTokens).toBeLessThanOrEqual(500 - 100);
    expect(built.citations.map((c) => c.n)).toEqual([1, 2]);
    expect(built.citations[0]).toMatchObject({ name: 'doc1.pdf', page: 4 });
    expect(built.passages[1]!.text.split(' ').length).toBeLessThan(150); // shortened to fit
    const system = built.messages[0]!.content;
    expect(system).toContain('[1] (doc1.pdf, page 4)');
    expect(system).not.toContain('delta');
    // No room left for history: only the question follows the system prompt.
    expect(built.messages.slice(1)).toEqual([{ role: 'user', content: 'what about beta?' }]);

    const roomy = await buildPrompt({
      provider: small(1200),
      question: 'q',
      history,
      passages: [passage(1, words(150, 'beta'))],
      memories: ['my sister is called Ada'],
      grounded: true,
      maxAnswerTokens: 100,
    });
    // Newest turns first: the recent pair fits, and the old ones as far as the budget goes.
    expect(roomy.messages.at(-2)).toEqual({ role: 'assistant', content: 'recent answer' });
    expect(roomy.messages[0]!.content).toContain('- my sister is called Ada');
  });

  it('relevance gate and citation mapping', () => {
    const hits = [passage(1, 'The ferry leaves at noon from the pier.'), passage(2, 'Tomatoes need sun.')];
    expect(relevantPassages('when does the ferry leave', hits).map((h) => h.chunkId)).toEqual([1]);
    const cits = [
      {
        n: 1,
        documentId: 1,
        chunkId: 1,
        name: 'a',
        path: 'a',
        page: null,
        headingPath: [],
        excerpt: 'The ferry leaves at noon from the pier.',
        cited: false,
      },
      {
        n: 2,
        documentId: 2,
        chunkId: 2,
        name: 'b',
        path: 'b',
        page: null,
        headingPath: [],
        excerpt: 'Tomatoes need sun.',
        cited: false,
      },
    ];
    expect(mapCitations('It leaves at noon [1].', cits).citations.map((c) => c.cited)).toEqual([true, false]);
    // No marker: the passage the answer overlaps is attributed and its marker appended.
    expect(mapCitations('The ferry leaves at noon.', cits)).toMatchObject({ appended: ' [1]' });
    expect(mapCitations('I have no idea.', cits).appended).toBe('');
  });
});

describe('memory patterns', () => {
  it('recognises remember / forget commands and facts stated in passing, never from questions', () => {
    expect(parseMemoryCommand("Remember that my sister's birthday is on March 3.")).toEqual({
      kind: 'remember',
      fact: "my sister's birthday is on March 3",
    });
    expect(parseMemoryCommand('forget that')).toEqual({ kind: 'forget', about: undefined });
    expect(parseMemoryCommand('Please forget my locker code')).toEqual({
      kind: 'forget',
      about: 'my locker code',
    });
    expect(parseMemoryCommand('do you remember the ferry times?')).toBeUndefined();
    expect(impliedFacts('My dentist is Dr. Okafor. What is my dentist called?')).toEqual([
      'my dentist is Dr. Okafor',
    ]);
    expect(impliedFacts('My car is a blue Fiat. Where is my car?')).toEqual(['my car is a blue Fiat']);
    expect(impliedFacts('is my car blue?')).toEqual([]);
  });
});
