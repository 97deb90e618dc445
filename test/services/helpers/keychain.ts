/**
 * Whether a real OS keychain answers here. Run tests through `node scripts/withKeyring.mjs`, which
 * starts a throwaway gnome-keyring when none is reachable; without one these tests skip and say why.
 */
import crypto from 'node:crypto';
import { KeytarBackend } from '../../../src/main/services/secrets/keytarBackend';

export const keychain = new KeytarBackend();

/** A keychain service name no real data uses; remove everything under it with `clearService`. */
export function testService(): string {
  return `Nook-test-${crypto.randomBytes(6).toString('hex')}`;
}

export async function keychainAvailable(): Promise<boolean> {
  const service = testService();
  try {
    await withTimeout(keychain.setPassword(service, 'probe.check', 'probe-value'), 8000);
    const ok = (await keychain.getPassword(service, 'probe.check')) === 'probe-value';
    await keychain.deletePassword(service, 'probe.check');
    return ok;
  } catch (e) {
    console.warn(
      `Skipping keychain tests: no OS keychain is reachable (${(e as Error).message}). Run them with node scripts/withKeyring.mjs.`,
    );
    return false;
  }
}

export async function clearService(service: string): Promise<void> {
  for (const c of await keychain.findCredentials(service)) await keychain.deletePassword(service, c.account);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no answer in ${ms} ms`)), ms)),
  ]);
}

export const HAS_KEYCHAIN = await keychainAvailable();
