/**
 * A plugin's briefing section in a generated briefing, through the real core's routes: the
 * "on this day" sample is installed with `kb.search` approved, documents are imported and embedded
 * (MiniLM in the knowledge worker), and `briefing.generate` for November 21 carries the plugin's
 * section with the passages that mention that day; without the permission the section is left out
 * and the rest of the briefing still comes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core';
import type { RouteName } from '../../../src/shared/ipc/channels';
import type { Briefing } from '../../../src/shared/types/briefing';
import { HAS_KEYCHAIN, clearService, testService } from '../helpers/keychain';
import { tempDir } from '../helpers/tmp';
import { testModel } from '../knowledge/ingestHarness';
import { buildPlugins, sampleDist } from './helpers';

const model = testModel();
const MODELS_DIR = path.resolve('models');
const ctx = { transport: 'internal' as const };

describe.skipIf(!HAS_KEYCHAIN || !model.spec)('a plugin briefing section in a generated briefing', () => {
  let dir: string;
  let service: string;
  let core: Core;

  async function call<T>(route: RouteName, input: unknown): Promise<T> {
    const r = await core.dispatcher.dispatch(route, input, ctx);
    if (!r.ok) throw new Error(`${route}: ${r.message}`);
    return r.value as T;
  }

  beforeAll(async () => {
    buildPlugins();
    dir = tempDir('plugin-briefing');
    service = testService();
    core = await createCore({
      mode: 'host',
      dataDir: dir,
      version: '0.0.1-test',
      secretStore: { service },
      models: { dir: MODELS_DIR },
    });
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
    // No language model: the briefing's summaries stay extractive (this test is about the plugin).
    await call('settings.update', {
      assistant: { providers: [{ id: 'extractive', kind: 'extractive', name: 'Extractive (no model)' }] },
    });
    await call('knowledge.import', { paths: [docs] });
    await core.knowledge.whenIdle();
  }, 300_000);

  afterAll(async () => {
    await core?.dispose();
    if (service) await clearService(service);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'the section the plugin wrote is in the briefing, with the documents that mention the day',
    { timeout: 180_000 },
    async () => {
      const info = await call<{ state: string }>('plugins.install', {
        path: sampleDist('on-this-day'),
        approvedPermissions: ['kb.search'],
      });
      expect(info.state).toBe('ok');

      const briefing = await call<Briefing>('briefing.generate', { date: '2026-11-21' });
      const section = briefing.sections.find((s) => s.id === 'plugin:nook.on-this-day:on-this-day');
      expect(section, JSON.stringify(briefing.sections.map((s) => s.id))).toBeDefined();
      expect(section).toMatchObject({ kind: 'plugin', title: 'On this day, November 21' });
      const texts = section!.items.map((i) => i.text).sort();
      expect(texts).toEqual([
        expect.stringMatching(/^Garden log: Planted the tulip bulbs on 21 November 2021/),
        expect.stringMatching(/^Journal 2019: On November 21, 2019 we moved into the flat on Elm Street\./),
      ]);
      expect(briefing.summary).toMatch(/from plugins/);
      // Stored: the briefing read back later has the section too.
      const again = await call<Briefing>('briefing.get', { date: '2026-11-21' });
      expect(again.sections.map((s) => s.id)).toContain('plugin:nook.on-this-day:on-this-day');
    },
  );

  it(
    'without the approved permission the section is left out; the briefing still comes',
    { timeout: 180_000 },
    async () => {
      await call('plugins.install', { path: sampleDist('on-this-day'), approvedPermissions: [] });
      const briefing = await call<Briefing>('briefing.generate', { date: '2026-11-21' });
      const section = briefing.sections.find((s) => s.id.startsWith('plugin:nook.on-this-day'));
      expect(section?.items ?? []).toEqual([]);
      const logs = await call<Array<{ message: string }>>('plugins.logs', { id: 'nook.on-this-day' });
      expect(logs.at(-1)?.message).toMatch(/left out: .*Permission "kb.search" was not granted/);
    },
  );
});
