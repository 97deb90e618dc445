import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../src/main/rpc/dispatcher';
import { EventBus } from '../../src/main/rpc/eventBus';
import { createHandlers, type HandlerDeps } from '../../src/main/rpc/handlers';
import { SecretStore } from '../../src/main/services/secrets/secretStore';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import { memoryKeychain } from '../services/helpers/memoryKeychain';

describe('reserved secret ids (host.*)', () => {
  it('no route can see, test, overwrite or delete the host token', async () => {
    const keychain = memoryKeychain();
    const secrets = new SecretStore(keychain, new EventBus(), {
      service: 'nook-test',
      defaultTesters: false,
    });
    await secrets.set(HOST_TOKEN_SECRET_ID, 'the-installation-token');
    await secrets.set('provider.openai', 'sk-test');
    const deps = { secrets, settings: {}, system: {}, hotkeys: () => [] } as unknown as HandlerDeps;
    const d = createDispatcher(createHandlers(deps));
    const ctx = { transport: 'internal' as const };

    const list = await d.dispatch('secrets.list', {}, ctx);
    expect(list.ok).toBe(true);
    if (list.ok) {
      const ids = (list.value as { id: string }[]).map((s) => s.id);
      expect(ids).toContain('provider.openai');
      expect(ids).not.toContain(HOST_TOKEN_SECRET_ID);
    }
    for (const [route, input] of [
      ['secrets.has', { id: HOST_TOKEN_SECRET_ID }],
      ['secrets.test', { id: HOST_TOKEN_SECRET_ID }],
      ['secrets.set', { id: HOST_TOKEN_SECRET_ID, value: 'attacker-chosen' }],
      ['secrets.delete', { id: HOST_TOKEN_SECRET_ID }],
      ['secrets.set', { id: 'host.other', value: 'x' }],
    ] as const) {
      expect(await d.dispatch(route, input, ctx)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    }
    expect(await secrets.reveal(HOST_TOKEN_SECRET_ID)).toBe('the-installation-token');
    expect(await d.dispatch('secrets.has', { id: 'provider.openai' }, ctx)).toEqual({
      ok: true,
      value: { present: true },
    });
  });
});
