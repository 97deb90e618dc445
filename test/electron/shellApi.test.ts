/**
 * The desktop app's local API end to end through the shell (stand-in electron module, real core):
 * Settings turn it on over IPC, a token created over IPC works with fetch, revoking it gives 403,
 * turning the setting off stops the server, and quitting leaves nothing listening.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appFrame, shellHarness } from './fakes/shellHarness';
import { freePort } from '../services/helpers/freePort';

const shells = shellHarness('nook-shell-api-');
afterEach(() => shells.stopAll());

async function status(url: string, token?: string): Promise<number | 'refused'> {
  try {
    return (await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;
  } catch {
    return 'refused';
  }
}

describe('desktop local API (shell)', () => {
  it('Settings turn it on, tokens from the app work and revoke, Settings and quitting turn it off', async () => {
    const { fake, nook } = await shells.start();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/api/ingest/status`;
    expect(await status(url)).toBe('refused');

    expect(await fake.invoke(appFrame, 'settings.update', { api: { enabled: true, port } })).toMatchObject({
      ok: true,
      value: { api: { enabled: true, port } },
    });
    await expect.poll(() => status(url), { timeout: 20_000 }).toBe(401);

    const created = (await fake.invoke(appFrame, 'apiTokens.create', {
      name: 'script',
      scopes: ['read'],
    })) as {
      ok: true;
      value: { token: { id: string }; value: string };
    };
    expect(created).toMatchObject({ ok: true, value: { token: { name: 'script', scopes: ['read'] } } });
    expect(await status(url, created.value.value)).toBe(200);
    // The value is not shown again.
    const list = await fake.invoke(appFrame, 'apiTokens.list', {});
    expect(JSON.stringify(list)).not.toContain(created.value.value);

    expect(await fake.invoke(appFrame, 'apiTokens.revoke', { id: created.value.token.id })).toMatchObject({
      ok: true,
      value: { revokedAt: expect.any(String) },
    });
    expect(await status(url, created.value.value)).toBe(403);

    await fake.invoke(appFrame, 'settings.update', { api: { enabled: false } });
    await expect.poll(() => status(url), { timeout: 20_000 }).toBe('refused');

    await fake.invoke(appFrame, 'settings.update', { api: { enabled: true } });
    await expect.poll(() => status(url), { timeout: 20_000 }).toBe(401);
    await nook!.shutdown();
    expect(await status(url)).toBe('refused');
  }, 120_000);
});
