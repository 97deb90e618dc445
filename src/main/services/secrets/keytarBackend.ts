/**
 * The OS keychain through keytar (macOS Keychain, Windows Credential Vault, libsecret/Secret Service
 * on Linux). keytar is a native module: it is loaded on first use, so a missing or broken build is a
 * clear KEYCHAIN_UNAVAILABLE error instead of a crash when the app starts.
 */
import { AppError } from '../../../shared/ipc/result';
import type { KeychainBackend } from './secretStore';

type Keytar = KeychainBackend;

export class KeytarBackend implements KeychainBackend {
  private loading: Promise<Keytar> | undefined;

  private load(): Promise<Keytar> {
    this.loading ??= import('keytar').then(
      (mod) => (mod as { default?: Keytar }).default ?? (mod as unknown as Keytar),
      (e: unknown) => {
        this.loading = undefined;
        throw new AppError(
          'KEYCHAIN_UNAVAILABLE',
          `The OS keychain is not reachable: the keytar native module could not be loaded (${(e as Error).message}).`,
        );
      },
    );
    return this.loading;
  }

  async getPassword(service: string, account: string): Promise<string | null> {
    return (await this.load()).getPassword(service, account);
  }

  async setPassword(service: string, account: string, password: string): Promise<void> {
    return (await this.load()).setPassword(service, account, password);
  }

  async deletePassword(service: string, account: string): Promise<boolean> {
    return (await this.load()).deletePassword(service, account);
  }

  async findCredentials(service: string): Promise<Array<{ account: string; password: string }>> {
    return (await this.load()).findCredentials(service);
  }
}
