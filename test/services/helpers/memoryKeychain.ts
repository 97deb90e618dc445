/**
 * keytar's shape over a map, for tests whose subject is not the OS keychain: the SecretStore logic
 * above it stays real, only the keychain is replaced. Tests of the keychain itself use keychain.ts.
 */
import type { KeychainBackend } from '../../../src/main/services/secrets/secretStore';

export function memoryKeychain(): KeychainBackend {
  const m = new Map<string, string>();
  const key = (s: string, a: string) => `${s}\0${a}`;
  return {
    getPassword: async (s, a) => m.get(key(s, a)) ?? null,
    setPassword: async (s, a, p) => void m.set(key(s, a), p),
    deletePassword: async (s, a) => m.delete(key(s, a)),
    findCredentials: async (s) =>
      [...m]
        .filter(([k]) => k.startsWith(`${s}\0`))
        .map(([k, password]) => ({ account: k.slice(s.length + 1), password })),
  };
}
