/**
 * The plugins entry of the status bar (system.status): how many plugins are enabled and which
 * fail (did not load, or their last call failed), kept live by the service's health callback.
 * Real plugins in Extism workers: the unit-converter sample and a tampered copy of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugins, openHarness, sampleDist, type Harness } from './helpers';

let h: Harness;
let changes = 0;

beforeAll(async () => {
  buildPlugins();
  h = await openHarness({ onHealthChanged: () => void changes++ });
}, 300_000);
afterAll(() => h?.close());

const ZIP = () => path.join(sampleDist('unit-converter'), 'unit-converter.zip');

describe('plugins health', () => {
  it('counts enabled and failing plugins, and reports each change', async () => {
    expect(h.service.health()).toEqual({ state: 'off', detail: 'No plugins installed' });

    let before = changes;
    await h.service.install(ZIP(), []);
    expect(changes).toBeGreaterThan(before);
    expect(h.service.health()).toEqual({ state: 'ok', detail: '1 enabled, none failing' });

    // A failing call makes it failing until a call succeeds.
    before = changes;
    await expect(h.service.run('nook.unit-converter', 'convert', 'convert 5 km to kg')).rejects.toThrow();
    expect(changes).toBe(before + 1);
    expect(h.service.health()).toEqual({
      state: 'degraded',
      detail: '1 enabled, 1 failing: Unit converter (convert failed)',
    });
    // A second failure is no change.
    await expect(h.service.run('nook.unit-converter', 'convert', 'convert 5 km to kg')).rejects.toThrow();
    expect(changes).toBe(before + 1);
    await h.service.run('nook.unit-converter', 'convert', 'convert 5 km to miles');
    expect(changes).toBe(before + 2);
    expect(h.service.health().state).toBe('ok');

    // Disabled: nothing enabled.
    await h.service.setEnabled('nook.unit-converter', false);
    expect(h.service.health()).toEqual({ state: 'off', detail: '1 installed, none enabled' });
  });

  it('a plugin that does not load (its wasm changed on disk) is failing', async () => {
    const installed = path.join(h.dir, 'plugins', 'nook.unit-converter', 'package');
    const wasm = fs.readdirSync(installed).find((f) => f.endsWith('.wasm'))!;
    const bytes = fs.readFileSync(path.join(installed, wasm));
    bytes[bytes.length - 1]! ^= 0xff;
    fs.writeFileSync(path.join(installed, wasm), bytes);
    const before = changes;
    const info = await h.service.setEnabled('nook.unit-converter', true);
    expect(info.state).toBe('error');
    expect(changes).toBeGreaterThan(before);
    expect(h.service.health()).toEqual({
      state: 'degraded',
      detail: '1 enabled, 1 failing: Unit converter (did not load)',
    });

    await h.service.uninstall('nook.unit-converter');
    expect(h.service.health()).toEqual({ state: 'off', detail: 'No plugins installed' });
  });
});
