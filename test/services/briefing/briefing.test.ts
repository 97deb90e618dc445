/**
 * Whole briefings: an empty day says so plainly, a 10k-document library gives exactly the planted
 * deadlines and rising terms, plugin sections and memory join in, and export/speech read well.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeBriefingCorpus, PLANTED_TERMS } from '../../fixtures/makeBriefingCorpus';
import { zonedTime } from '../../../src/main/services/briefing/time';
import { briefingSpeech } from '../../../src/main/services/briefing/markdown';
import { TextToSpeech } from '../../../src/main/services/voice/tts';
import { harness, ManualClock, type Harness } from './helpers';

const TZ = 'Europe/Berlin';
const NOW = zonedTime({ year: 2026, month: 11, day: 18 }, 7, 30, TZ);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('briefing', () => {
  it('an empty library and no reminders: "Nothing new since yesterday", no padding', async () => {
    h = harness(new ManualClock(NOW), TZ);
    const b = await h.service.generate();
    expect(b.empty).toBe(true);
    expect(b.summary).toBe('Nothing new since yesterday.');
    expect(b.sections).toEqual([]);
    expect(briefingSpeech(b)).toBe('Your briefing for Wednesday, 18 November. Nothing new since yesterday.');
    expect(h.service.exportMarkdown(b.id).markdown).toContain('Nothing new since yesterday.');
  });

  it('memory and plugin sections join; sections with items come first', async () => {
    h = harness(new ManualClock(NOW), TZ, {
      memories: () => [
        { id: 1, text: 'I need to book the train tickets' },
        { id: 2, text: "My sister's birthday is on 20 November" },
        { id: 3, text: 'My favourite colour is green' },
      ],
      plugins: {
        briefingSections: async () => [
          {
            pluginId: 'demo.weather',
            sectionId: 'today',
            title: 'Weather',
            items: [{ text: 'Sunny, 12 °C', source: 'demo' }],
          },
        ],
      },
    });
    const b = await h.service.generate();
    expect(b.empty).toBe(false);
    const memory = b.sections.find((s) => s.kind === 'memory')!;
    expect(memory.items.map((i) => i.text)).toEqual([
      "My sister's birthday is on 20 November",
      'I need to book the train tickets',
    ]);
    expect(memory.items[0]!.detail).toMatch(/20 November|in 2 days/);
    const plugin = b.sections.find((s) => s.kind === 'plugin')!;
    expect(plugin).toMatchObject({
      id: 'plugin:demo.weather:today',
      title: 'Weather',
      pluginId: 'demo.weather',
    });
    expect(plugin.items[0]).toMatchObject({ text: 'Sunny, 12 °C', detail: 'demo' });
    // With items first, by priority.
    const withItems = b.sections.filter((s) => s.items.length).map((s) => s.priority);
    const without = b.sections.filter((s) => !s.items.length).map((s) => s.priority);
    expect(Math.max(...withItems)).toBeLessThan(Math.min(...without));
    expect(b.sections.map((s) => s.priority)).toEqual(b.sections.map((_, i) => i + 1));
    expect(b.summary).toBe('2 from memory, 1 from plugins.');
  });

  it('reads a briefing aloud with the local voice (espeak-ng) and answers "read my briefing"', async () => {
    const tts = new TextToSpeech({
      settings: () => ({
        engine: 'espeak',
        voice: 'en-us',
        rate: 175,
        elevenlabsVoiceId: 'x',
        elevenlabsModel: 'x',
        elevenlabsBaseUrl: 'http://127.0.0.1:9',
      }),
      allowCloud: () => false,
      apiKey: async () => null,
    });
    h = harness(new ManualClock(NOW), TZ, {
      speak: (text, play) => tts.speak(text, { play: play ?? false }),
    });
    h.service.reminders.create({ text: 'Call the bank tomorrow at 10' });
    // "read my briefing" before any briefing today makes one first.
    const { briefing, text } = await h.service.script();
    expect(briefing.date).toBe('2026-11-18');
    expect(text).toContain('Deadlines and reminders. Call the bank.');
    const spoken = await h.service.speak({ id: briefing.id, play: false });
    expect(spoken.engine).toBe('espeak-ng');
    expect(spoken.played).toBe(false);
    expect(spoken.text).toBe(text);
    expect(spoken.wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(spoken.wav.length).toBeGreaterThan(16_000); // seconds of 16-bit audio, not a stub
  });

  it('at 10k documents: exactly the planted deadlines, the planted terms on top', async () => {
    h = harness(new ManualClock(NOW), TZ);
    const corpus = makeBriefingCorpus(h.db, {
      now: NOW,
      timeZone: TZ,
      documents: 10_000,
      chunksPerDocument: 1,
      recentShare: 0.08,
      seed: 3,
    });
    const b = await h.service.generate();
    const fromDocs = b.sections
      .find((s) => s.kind === 'deadlines')!
      .items.filter((i) => i.reminderId === null);
    expect(fromDocs.map((i) => i.text).sort()).toEqual(corpus.expected.map((e) => e.sentence).sort());
    expect(fromDocs.filter((i) => i.overdue).map((i) => i.text)).toEqual(
      corpus.expected.filter((e) => e.overdue).map((e) => e.sentence),
    );
    const trending = b.sections.find((s) => s.kind === 'trending')!;
    expect(new Set(trending.items.slice(0, 2).map((i) => i.text))).toEqual(new Set(PLANTED_TERMS));
    const updates = b.sections.find((s) => s.kind === 'updates')!;
    expect(updates.summary).toMatch(new RegExp(`^${corpus.updatedSinceYesterday.length} documents`));
    // A second briefing reads the analysis already made: nothing pending.
    expect(h.service.index.pendingCount()).toBe(0);
    const again = await h.service.generate();
    expect(again.id).toBe(b.id);
    expect(again.sections.find((s) => s.kind === 'deadlines')!.items).toEqual(
      b.sections.find((s) => s.kind === 'deadlines')!.items,
    );
  }, 600_000);
});
