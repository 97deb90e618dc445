import { afterEach, describe, expect, it } from 'vitest';
import type { Retriever } from '../../../src/main/services/assistant/grounding';
import { makeHarness, type Harness } from './helpers';
import { startFaultServer } from './faultServer';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const extractiveOnly = {
  assistant: { providers: [{ id: 'extractive', kind: 'extractive', name: 'Extractive (no model)' }] },
};

/** A retriever over fixed passages (the knowledge-service path is covered in assistantCore.test.ts). */
function passages(...texts: Array<{ name: string; page: number | null; text: string }>): Retriever {
  return {
    async search() {
      return texts.map((t, i) => ({
        chunkId: i + 1,
        text: t.text,
        cosine: null,
        keyword: true,
        citation: {
          documentId: 100 + i,
          name: t.name,
          title: null,
          path: `/docs/${t.name}`,
          format: 'pdf' as const,
          page: t.page,
          headingPath: [],
          chunkOrdinal: 0,
          charStart: 0,
          charEnd: t.text.length,
        },
      }));
    },
  };
}

describe('memory', () => {
  it('remembers a fact, answers it in a NEW conversation, does not store it twice, forgets it', async () => {
    h = makeHarness({}, extractiveOnly);
    const first = await h.ask("Remember that my sister's birthday is on March 3");
    expect(first.content).toBe("Okay, I will remember that your sister's birthday is on March 3.");
    expect(h.assistant.memory.list().map((m) => m.text)).toEqual(["my sister's birthday is on March 3"]);

    const again = await h.ask("remember that my sister's birthday is on March 3.");
    expect(again.content).toBe("I already know that your sister's birthday is on March 3.");
    await h.ask("Please remember: My sister's birthday is on March 3");
    expect(h.assistant.memory.list()).toHaveLength(1);

    const answer = await h.ask("When is my sister's birthday?");
    expect(answer.conversationId).not.toBe(first.conversationId);
    expect(answer.status).toBe('done');
    expect(answer.content).toContain('March 3');
    expect(answer.content).toBe("You told me: Your sister's birthday is on March 3.");
    expect(answer.streamed).toBe(answer.content);

    const forgot = await h.ask('forget that', answer.conversationId);
    expect(forgot.content).toBe("Okay, I have forgotten that your sister's birthday is on March 3.");
    expect(h.assistant.memory.list()).toEqual([]);
    const after = await h.ask("When is my sister's birthday?");
    expect(after.content).toBe('I could not find this in your documents.');
  });

  it('keeps facts stated in passing, dedupes near duplicates by embedding, and forgets the matching one', async () => {
    // A deterministic bag-of-words embedding: same words give the same vector, whatever their order
    // (the real ONNX model's near duplicates are in embeddingRanking.test.ts).
    const vocab = new Map<string, number>();
    const embed = async (texts: string[]) =>
      texts.map((t) => {
        const v = new Float32Array(64);
        for (const w of t.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
          if (!vocab.has(w)) vocab.set(w, vocab.size % 64);
          v[vocab.get(w)!]! += 1;
        }
        return v;
      });
    h = makeHarness({ embed }, extractiveOnly);
    await h.ask('My dog is called Biscuit. Anyway, what time is it?', undefined, false);
    await h.ask('my favourite colour is green', undefined, false);
    expect(h.assistant.memory.list().map((m) => m.text)).toEqual([
      'my dog is called Biscuit',
      'my favourite colour is green',
    ]);
    // Same words, other order and case: the hash differs, the embedding does not.
    const dup = await h.assistant.memory.remember('Biscuit is called my dog', null);
    expect(dup.duplicate).toBe(true);
    expect(h.assistant.memory.list()).toHaveLength(2);

    const edited = await h.assistant.memory.update(
      h.assistant.memory.list()[1]!.id,
      'my favourite colour is blue',
    );
    expect(edited.text).toBe('my favourite colour is blue');
    await expect(h.assistant.memory.update(edited.id, 'my dog is called Biscuit')).rejects.toMatchObject({
      code: 'CONFLICT',
    });

    const forgot = await h.ask('forget that my dog is called Biscuit');
    expect(forgot.content).toBe('Okay, I have forgotten that your dog is called Biscuit.');
    expect(h.assistant.memory.list().map((m) => m.text)).toEqual(['my favourite colour is blue']);
  });
});

describe('grounded answers with the extractive provider (no model)', () => {
  it('answers with [n] citations mapped to the source document and page', async () => {
    h = makeHarness(
      {
        retriever: passages(
          {
            name: 'ferry-timetable.pdf',
            page: 2,
            text: 'Ferries to Oban leave Craignure at 09:15 and 17:40. The crossing takes 46 minutes. Dogs travel free.',
          },
          { name: 'notes.md', page: null, text: 'Buy milk. Call the plumber about the boiler.' },
        ),
      },
      extractiveOnly,
    );
    const a = await h.ask('How long does the crossing to Oban take?');
    expect(a.status).toBe('done');
    expect(a.provider).toBe('Extractive (no model)');
    expect(a.notice).toBeNull();
    expect(a.content).toContain('The crossing takes 46 minutes [1].');
    expect(a.content).not.toContain('plumber');
    expect(a.citations[0]).toMatchObject({
      n: 1,
      name: 'ferry-timetable.pdf',
      page: 2,
      documentId: 100,
      cited: true,
    });
    expect(a.usage).toMatchObject({ source: 'estimate' });
    // Stored with the conversation.
    const conv = h.assistant.conversations.get(a.conversationId);
    expect(conv.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(conv.messages[1]).toMatchObject({
      content: a.content,
      provider: 'Extractive (no model)',
      status: 'done',
    });
    expect(conv.messages[1]!.citations[0]!.page).toBe(2);
  });

  it('says it could not find the answer when nothing relevant was retrieved', async () => {
    h = makeHarness(
      {
        retriever: passages({
          name: 'notes.md',
          page: null,
          text: 'Buy milk. Call the plumber about the boiler.',
        }),
      },
      extractiveOnly,
    );
    const a = await h.ask('What is the capital of Mongolia?');
    expect(a.content).toBe('I could not find this in your documents.');
    expect(a.citations).toEqual([]);
  });
});

describe('conversations', () => {
  it('lists, renames, searches and deletes; history stays in order', async () => {
    h = makeHarness({}, extractiveOnly);
    const a = await h.ask('remember that the boiler code is 4471');
    const b = await h.ask('Tell me about the ferry to Oban', undefined, false);
    await h.ask('and the return trip?', b.conversationId, false);
    const list = h.assistant.conversations.list();
    expect(list.map((c) => c.id)).toEqual([b.conversationId, a.conversationId]);
    expect(list[0]!.messageCount).toBe(4);
    h.assistant.conversations.rename(a.conversationId, 'Home maintenance');
    expect(h.assistant.conversations.search('maintenance')[0]).toMatchObject({
      conversationId: a.conversationId,
    });
    expect(h.assistant.conversations.search('oban')[0]).toMatchObject({ conversationId: b.conversationId });
    expect(h.assistant.conversations.search('"; DROP TABLE messages; --')).toEqual([]);
    expect(h.assistant.conversations.delete(b.conversationId)).toBe(true);
    expect(h.assistant.conversations.search('oban')).toEqual([]);
    expect(() => h!.assistant.conversations.get(b.conversationId)).toThrow(/No conversation/);
  });

  it('stop ends a streaming answer and keeps what arrived', async () => {
    const server = await startFaultServer();
    try {
      server.setMode('slow_first_token');
      server.delayMs = 400;
      h = makeHarness(
        {},
        {
          privacy: { allowCloudProviders: false },
          assistant: {
            providers: [
              {
                id: 'ollama',
                kind: 'openai-compatible',
                name: 'Ollama',
                baseUrl: server.url,
                model: 'fault',
              },
            ],
          },
        },
      );
      const ids = h.assistant.ask({ text: 'hello', grounded: false });
      setTimeout(() => h!.assistant.stop(ids.messageId), 100);
      await h.assistant.idle();
      const msg = h.assistant.conversations.message(ids.messageId)!;
      expect(msg.status).toBe('stopped');
      expect(msg.provider).toBe('Ollama');
    } finally {
      await server.close();
    }
  });
});

describe('providers and privacy', () => {
  it('uses a cloud provider only when cloud providers are allowed; loopback endpoints always', async () => {
    const server = await startFaultServer();
    try {
      h = makeHarness({}, { assistant: { providers: [] } });
      // A "cloud" provider: any non-loopback host. It must not even be tried while privacy forbids it.
      await h.assistant.saveProvider({
        id: 'cloud',
        kind: 'openai-compatible',
        name: 'Cloud',
        baseUrl: 'https://api.example.invalid/v1',
        model: 'm',
        apiKey: 'sk-cloud-SECRET-123',
      });
      await h.assistant.saveProvider({
        id: 'local-server',
        kind: 'openai-compatible',
        name: 'llama.cpp server',
        baseUrl: server.url,
        model: 'fault',
      });
      expect(h.assistant.chain('chat').map((p) => p.id)).toEqual(['local-server', 'extractive']);
      const list = await h.assistant.listProviders();
      expect(list.find((p) => p.id === 'cloud')).toMatchObject({
        cloud: true,
        hasKey: true,
        state: 'blocked',
      });
      expect(JSON.stringify(list)).not.toContain('sk-cloud-SECRET-123');
      h.settings.update({ privacy: { allowCloudProviders: true } });
      expect(h.assistant.chain('chat').map((p) => p.id)).toEqual(['cloud', 'local-server', 'extractive']);
      await h.assistant.reorderProviders(['local-server', 'cloud']);
      expect(h.assistant.chain('chat').map((p) => p.id)).toEqual(['local-server', 'cloud', 'extractive']);
      expect(await h.assistant.testProvider('local-server')).toEqual({
        ok: true,
        message: 'llama.cpp server answers.',
      });
      await h.assistant.removeProvider('cloud');
      expect(h.secrets.values.has('provider.cloud')).toBe(false);
      expect(h.assistant.chain('chat').map((p) => p.id)).toEqual(['local-server', 'extractive']);
    } finally {
      await server.close();
    }
  });
});

describe('facts extracted by the language model (extractFacts chain)', () => {
  it('stores facts grounded in what the user said and drops invented ones', async () => {
    const server = await startFaultServer();
    try {
      // The endpoint plays the extraction model: one fact the user stated, one it made up.
      server.answer = ['- I moved to Lisbon in 2021\n', '- I am an astronaut\n'];
      h = makeHarness(
        {},
        {
          assistant: {
            providers: [
              { id: 'llm', kind: 'openai-compatible', name: 'Ollama', baseUrl: server.url, model: 'fault' },
              { id: 'extractive', kind: 'extractive', name: 'Extractive (no model)' },
            ],
            chains: { chat: ['extractive'], extractFacts: ['llm'] },
          },
        },
      );
      await h.ask('I moved to Lisbon in 2021 for a new job.', undefined, false);
      expect(server.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);
      expect(h.assistant.memory.list().map((m) => m.text)).toEqual(['I moved to Lisbon in 2021']);
      // Asked again: the same fact is not stored twice.
      await h.ask('As I said, I moved to Lisbon in 2021.', undefined, false);
      expect(h.assistant.memory.list()).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
