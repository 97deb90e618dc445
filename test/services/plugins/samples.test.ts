/**
 * The sample plugins end to end, built by `npm run plugins:build`'s script: the unit converter as a
 * palette command and as a voice intent (the real intent recogniser with the real MiniLM embedder),
 * "on this day" as a briefing section over the real knowledge base, the quote plugin against a
 * local HTTP server, kv, notes, notify and the scheduler.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntentRecognizer } from '../../../src/main/services/voice/intents';
import { createEmbedder, type Embedder } from '../../../src/main/services/inference/embedder';
import { pluginPorts } from '../../../src/main/services/plugins/corePorts';
import { EventBus } from '../../../src/main/rpc/eventBus';
import { openKnowledge, testModel, type Knowledge } from '../knowledge/ingestHarness';
import { tempDir } from '../helpers/tmp';
import { HOSTILE_WASM, buildPlugins, openHarness, sampleDist, writePackage, type Harness } from './helpers';

const model = testModel();

beforeAll(() => buildPlugins(), 300_000);

describe('unit converter', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness();
    // Installed from the droppable .zip the build writes.
    const info = await h.service.install(path.join(sampleDist('unit-converter'), 'unit-converter.zip'), []);
    expect(info.state).toBe('ok');
  });
  afterAll(() => h?.close());

  it('runs from the command palette', async () => {
    const palette = h.service.commands();
    expect(palette).toEqual([
      expect.objectContaining({
        pluginId: 'nook.unit-converter',
        commandId: 'convert',
        title: 'Convert units',
      }),
    ]);
    const cases: Array<[string, string]> = [
      ['convert 5 km to miles', '5 km = 3.1069 mi'],
      ['how many pounds is 3 kilos', '3 kg = 6.6139 lb'],
      ['72 fahrenheit in celsius', '72 °F = 22.2222 °C'],
      ['2.5 cups to ml', '2.5 cup = 591.4706 ml'],
    ];
    for (const [q, text] of cases) {
      const { output } = await h.service.run('nook.unit-converter', 'convert', q);
      expect(JSON.parse(output).text, q).toBe(text);
    }
    await expect(h.service.run('nook.unit-converter', 'convert', 'convert 5 km to kg')).rejects.toThrow(
      /Cannot convert km \(length\) to kg \(mass\)/,
    );
    expect(h.service.get('nook.unit-converter').stats).toMatchObject({ calls: 5, errors: 1, timeouts: 0 });
  });

  it.skipIf(!model.spec)(
    'runs from a voice utterance through the intent recogniser',
    async () => {
      const spec = model.spec!;
      const embedder: Embedder = await createEmbedder({
        onnxPath: spec.onnxPath,
        tokenizerPath: spec.tokenizerPath,
        params: spec.params,
        threads: 1,
      });
      const dir = tempDir('plugins-voice');
      const recognizer = new IntentRecognizer((texts) => embedder.embed(texts, 'query'));
      recognizer.register({
        id: 'ask_question',
        examples: ['what is the capital of france', 'who wrote hamlet'],
      });
      recognizer.register({
        id: 'add_note',
        examples: ['take a note buy milk', 'note that the meeting moved'],
      });
      const v = await openHarness({ intents: { registerIntent: (def) => recognizer.register(def) } }, dir);
      try {
        await v.service.install(sampleDist('unit-converter'), []);
        expect(recognizer.get('plugin.nook.unit-converter.convert')?.examples).toContain(
          'convert 5 km to miles',
        );
        // A phrasing that is not one of the examples.
        const result = await recognizer.recognize('Please convert 12 kilometres to miles.');
        expect(result.intent).toBe('plugin.nook.unit-converter.convert');
        const answer = (await recognizer.get(result.intent)!.handler!(result)) as { text: string };
        expect(answer.text).toBe('12 km = 7.4565 mi');
        // Disabling the plugin removes its intent.
        await v.service.setEnabled('nook.unit-converter', false);
        expect(recognizer.get('plugin.nook.unit-converter.convert')).toBeUndefined();
      } finally {
        await v.close();
        await embedder.dispose();
      }
    },
    120_000,
  );
});

describe.skipIf(!model.spec)('on this day, over the real knowledge base', () => {
  let k: Knowledge;
  let h: Harness;
  beforeAll(async () => {
    const dir = tempDir('plugins-kb');
    const docs = path.join(dir, 'docs');
    fs.mkdirSync(docs);
    fs.writeFileSync(
      path.join(docs, 'journal-2019.md'),
      '# Journal 2019\n\nOn November 21, 2019 we moved into the flat on Elm Street. The boxes took a week.\n\nIn March we visited Porto.\n',
    );
    fs.writeFileSync(
      path.join(docs, 'garden.md'),
      '# Garden log\n\nPlanted the tulip bulbs on 21 November 2021, late but the soil was still soft.\n',
    );
    fs.writeFileSync(
      path.join(docs, 'decoy.md'),
      '# Notes\n\nNovember 2 is the dentist. November 30 the car service. Nothing else in November.\n',
    );
    k = openKnowledge(dir, model.spec!);
    await k.service.import([docs]);
    await k.service.whenIdle();
    h = await openHarness(
      {
        ports: pluginPorts({
          knowledge: k.service,
          events: new EventBus(),
          notesDir: path.join(dir, 'notes'),
        }),
      },
      dir,
    );
    await h.service.install(sampleDist('on-this-day'), ['kb.search']);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await k?.close();
  });

  it('returns a briefing section with the documents that mention today', async () => {
    const sections = await h.service.briefingSections(new Date(2026, 10, 21, 8, 0));
    expect(sections).toHaveLength(1);
    const s = sections[0]!;
    expect(s).toMatchObject({
      pluginId: 'nook.on-this-day',
      sectionId: 'on-this-day',
      title: 'On this day, November 21',
    });
    const texts = s.items.map((i) => i.text).sort();
    expect(texts).toEqual([
      expect.stringMatching(/^Garden log: Planted the tulip bulbs on 21 November 2021/),
      expect.stringMatching(/^Journal 2019: On November 21, 2019 we moved into the flat on Elm Street\./),
    ]);
    expect(s.items.every((i) => /garden\.md|journal-2019\.md/.test(i.source ?? ''))).toBe(true);
  });

  it('leaves the section out (and logs why) when kb.search was not approved', async () => {
    await h.service.install(sampleDist('on-this-day'), []);
    expect(await h.service.briefingSections(new Date(2026, 10, 21))).toEqual([]);
    const logs = await h.service.logs('nook.on-this-day');
    expect(logs.at(-1)?.message).toMatch(/left out: .*Permission "kb.search" was not granted/);
  });
});

describe('briefing extension point without a knowledge base', () => {
  it('calls the export with the date and validates what comes back', async () => {
    const hits = [
      { title: 'Diary', text: 'On May 4 2020 the bakery opened.', source: 'diary.md' },
      { title: 'Other', text: 'May 40 is not a date; May 14 neither matches.', source: 'x.md' },
    ];
    const queries: string[] = [];
    const h = await openHarness({
      ports: {
        kbSearch: async (q) => {
          queries.push(q);
          return hits;
        },
      },
    });
    try {
      await h.service.install(sampleDist('on-this-day'), ['kb.search']);
      const [s] = await h.service.briefingSections(new Date(2026, 4, 4));
      expect(queries).toEqual(['May 4']);
      expect(s).toEqual({
        pluginId: 'nook.on-this-day',
        sectionId: 'on-this-day',
        title: 'On this day, May 4',
        items: [{ text: 'Diary: On May 4 2020 the bakery opened.', source: 'diary.md' }],
      });
    } finally {
      await h.close();
    }
  });
});

describe('quote of the day over http.fetch', () => {
  let server: http.Server;
  let port = 0;
  let answer: { status: number; body: string } = { status: 200, body: '' };
  let h: Harness;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(req.url === '/today' ? answer.body : '[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    h = await openHarness();
  });
  afterAll(async () => {
    await h?.close();
    server?.close();
  });

  it('returns data from the allow-listed local server, and the cached quote when it fails', async () => {
    // The sample as built, with its allow-list and URL pointed at the local server (the wasm is unchanged).
    const dist = sampleDist('http-quote');
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'nook-plugin.json'), 'utf8'));
    const pkg = path.join(h.dir, 'http-quote-local');
    fs.mkdirSync(pkg);
    fs.copyFileSync(path.join(dist, 'plugin.wasm'), path.join(pkg, 'plugin.wasm'));
    manifest.http.allowedHosts = [`127.0.0.1:${port}`];
    manifest.config.url = `http://127.0.0.1:${port}/today`;
    fs.writeFileSync(path.join(pkg, 'nook-plugin.json'), JSON.stringify(manifest));
    const inspected = await h.service.inspect(pkg);
    expect(inspected.permissions.map((p) => p.id)).toEqual(['http.fetch', 'kv']);
    expect(inspected.manifest.allowedHosts).toEqual([`127.0.0.1:${port}`]);
    await h.service.install(pkg, ['http.fetch', 'kv']);

    answer = { status: 200, body: JSON.stringify([{ q: 'Ünïcode survives — “quoted”', a: 'Ada' }]) };
    const first = JSON.parse((await h.service.run('nook.http-quote', 'quote', '')).output);
    expect(first).toEqual({
      text: '“Ünïcode survives — “quoted””  — Ada'.replace('  —', ' —'),
      cached: false,
    });
    expect(h.service.store.kvGet('nook.http-quote', 'last')).toBe(first.text);

    answer = { status: 503, body: 'down' };
    const second = JSON.parse((await h.service.run('nook.http-quote', 'quote', '')).output);
    expect(second).toEqual({ text: first.text, cached: true });
  });

  it('caps the response size', async () => {
    answer = { status: 200, body: JSON.stringify([{ q: 'x'.repeat(2 * 1024 * 1024), a: 'big' }]) };
    const out = JSON.parse((await h.service.run('nook.http-quote', 'quote', '')).output);
    expect(out.cached).toBe(true); // the oversized answer was refused; the plugin fell back to kv
  });
});

describe('notes, notify, kv isolation and uninstall', () => {
  it('adds notes and notices through the ports, keeps kv per plugin, removes everything on uninstall', async () => {
    const events = new EventBus();
    const notices: unknown[] = [];
    events.on('system.notice', (n) => notices.push(n));
    const imported: string[][] = [];
    const dir = tempDir('plugins-notes');
    const h = await openHarness(
      {
        ports: pluginPorts({
          knowledge: {
            search: async () => {
              throw new Error('unused');
            },
            import: async (paths: readonly string[]) => {
              imported.push([...paths]);
              return { batchId: 'b', queued: paths.length, skipped: [] } as never;
            },
          },
          events,
          notesDir: path.join(dir, 'notes'),
        }),
      },
      dir,
    );
    try {
      const pkg = writePackage(dir, HOSTILE_WASM, {
        id: 't.kv-a',
        name: 'Helper',
        permissions: ['kv', 'notes.add', 'notify'],
        contributes: {
          commands: [
            { id: 'kv', title: 'kv', export: 'useKv' },
            { id: 'note', title: 'note', export: 'addNote' },
            { id: 'notify', title: 'notify', export: 'notifyMe' },
          ],
        },
      });
      await h.service.install(pkg, ['kv', 'notes.add', 'notify']);
      await h.service.run('t.kv-a', 'kv', '');
      expect(h.service.store.kvGet('t.kv-a', 'k')).toBe('v');
      expect(h.service.store.kvGet('t.kv-b', 'k')).toBeNull();

      const { output: noteId } = await h.service.run('t.kv-a', 'note', 'Buy bulbs before the frost.');
      const noteFile = path.join(dir, 'notes', noteId);
      expect(fs.readFileSync(noteFile, 'utf8')).toBe('# From a plugin\n\nBuy bulbs before the frost.\n');
      expect(imported).toEqual([[noteFile]]);

      expect((await h.service.run('t.kv-a', 'notify', 'Frost tonight')).output).toBe('notified');
      expect(notices).toEqual([{ level: 'info', message: 'Helper: Frost tonight' }]);
      // At most 10 a minute.
      for (let i = 0; i < 9; i++) await h.service.run('t.kv-a', 'notify', `n${i}`);
      await expect(h.service.run('t.kv-a', 'notify', 'one too many')).rejects.toThrow(
        /at most 10 notifications a minute/,
      );
      expect(notices).toHaveLength(10);

      const data = path.join(dir, 'plugins', 't.kv-a');
      expect(fs.existsSync(data)).toBe(true);
      expect(await h.service.uninstall('t.kv-a')).toEqual({ id: 't.kv-a', removed: true });
      expect(fs.existsSync(data)).toBe(false);
      expect(h.service.store.kvCount('t.kv-a')).toBe(0);
      expect(h.service.list()).toEqual([]);
      await expect(h.service.run('t.kv-a', 'kv', '')).rejects.toThrow(/No plugin t.kv-a/);
    } finally {
      await h.close();
    }
  });
});

describe('scheduled jobs', () => {
  it('runs a plugin export on its schedule and stops when the plugin is disabled', async () => {
    let now = new Date(2026, 10, 21, 9, 0, 0);
    const h = await openHarness({ scheduler: { now: () => now, autoStart: false } });
    try {
      const pkg = writePackage(h.dir, HOSTILE_WASM, {
        id: 't.sched',
        contributes: {
          commands: [],
          briefingSections: [],
          schedules: [
            { id: 'every2', everyMinutes: 2, export: 'echo' },
            { id: 'nine30', cron: '30 9 * * *', export: 'echo' },
          ],
        },
      });
      await h.service.install(pkg, []);
      const tick = async (min: number) => {
        now = new Date(2026, 10, 21, 9, min, 0);
        return (await h.service.scheduler.tick(now)).sort();
      };
      expect(await tick(1)).toEqual([]);
      expect(await tick(2)).toEqual(['t.sched/every2']);
      expect(await tick(3)).toEqual([]);
      expect(await tick(30)).toEqual(['t.sched/every2', 't.sched/nine30']);
      expect(h.service.get('t.sched').stats.calls).toBe(3);
      await h.service.setEnabled('t.sched', false);
      expect(await tick(32)).toEqual([]);
      expect(h.service.scheduler.size).toBe(0);
    } finally {
      await h.close();
    }
  });
});
