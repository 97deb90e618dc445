/**
 * Keychain fallback inside Electron for Linux desktops without a Secret Service (keytar cannot reach
 * libsecret): values are encrypted with Electron's safeStorage (kwallet or libsecret key, DPAPI,
 * macOS Keychain key) and kept in one file in userData. It refuses to work (fails closed, with
 * KEYCHAIN_UNAVAILABLE) when safeStorage is not available or would use the 'basic_text' backend,
 * which is a hard-coded key: that would be a plaintext file with extra steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import { AppError } from '../../shared/ipc/result';
import type { KeychainBackend } from '../services/secrets/secretStore';

export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

interface FileShape {
  version: 1;
  /** service -> account -> base64 of safeStorage ciphertext */
  entries: Record<string, Record<string, string>>;
}

export const SAFE_STORAGE_FILE = 'secrets.safeStorage.json';

/** Why safeStorage cannot hold secrets here, or null when it can. */
export function safeStorageProblem(safeStorage: SafeStorageLike, platform: string): string | null {
  let available = false;
  try {
    available = safeStorage.isEncryptionAvailable();
  } catch {
    available = false;
  }
  if (!available) return 'Electron safeStorage encryption is not available on this system';
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    if (backend === 'basic_text' || backend === 'unknown') {
      return `Electron safeStorage would use the "${backend}" backend, which does not protect secrets`;
    }
  }
  return null;
}

export class SafeStorageKeychain implements KeychainBackend {
  readonly file: string;

  constructor(
    private readonly safeStorage: SafeStorageLike,
    dir: string,
    private readonly platform: string = process.platform,
  ) {
    this.file = path.join(dir, SAFE_STORAGE_FILE);
  }

  get problem(): string | null {
    return safeStorageProblem(this.safeStorage, this.platform);
  }

  async getPassword(service: string, account: string): Promise<string | null> {
    this.assertUsable();
    const cipher = this.read().entries[service]?.[account];
    return cipher === undefined ? null : this.decrypt(cipher);
  }

  async setPassword(service: string, account: string, password: string): Promise<void> {
    this.assertUsable();
    const data = this.read();
    const cipher = this.safeStorage.encryptString(password).toString('base64');
    (data.entries[service] ??= {})[account] = cipher;
    this.write(data);
  }

  async deletePassword(service: string, account: string): Promise<boolean> {
    this.assertUsable();
    const data = this.read();
    const forService = data.entries[service];
    if (!forService || !(account in forService)) return false;
    delete forService[account];
    if (Object.keys(forService).length === 0) delete data.entries[service];
    this.write(data);
    return true;
  }

  async findCredentials(service: string): Promise<Array<{ account: string; password: string }>> {
    this.assertUsable();
    const forService = this.read().entries[service] ?? {};
    return Object.entries(forService).map(([account, cipher]) => ({
      account,
      password: this.decrypt(cipher),
    }));
  }

  private assertUsable(): void {
    const problem = this.problem;
    if (problem) throw new AppError('KEYCHAIN_UNAVAILABLE', `No secure storage for secrets: ${problem}.`);
  }

  private decrypt(cipher: string): string {
    try {
      return this.safeStorage.decryptString(Buffer.from(cipher, 'base64'));
    } catch {
      // The key changed (another user, a reinstalled keyring): the value is lost, not guessable.
      throw new AppError('KEYCHAIN_UNAVAILABLE', 'A stored secret can no longer be decrypted; set it again.');
    }
  }

  private read(): FileShape {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw new AppError(
        'KEYCHAIN_UNAVAILABLE',
        `The secrets file could not be read: ${(e as Error).message}`,
      );
    }
    try {
      const parsed = JSON.parse(text) as Partial<FileShape>;
      if (parsed?.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null)
        throw new Error('bad shape');
      return { version: 1, entries: parsed.entries };
    } catch {
      throw new AppError('KEYCHAIN_UNAVAILABLE', `The secrets file ${path.basename(this.file)} is damaged.`);
    }
  }

  private write(data: FileShape): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

/**
 * An error from keytar/libsecret that means "there is no Secret Service to talk to": no session bus
 * at all (GDBus: "Could not connect", "Cannot autolaunch D-Bus"), or a bus without the service
 * ("org.freedesktop.secrets was not provided by any .service files"). A locked or prompting keyring
 * is not one of these: it exists, and secrets must not silently move elsewhere.
 */
export function isNoSecretServiceError(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /org\.freedesktop\.secrets|secret service|autolaunch d-bus|could not connect|dbus_session_bus_address|not provided by any \.service/i.test(
    msg,
  );
}

/**
 * Picks the keychain: the OS keychain through keytar when it answers; on Linux without a Secret
 * Service, the safeStorage file when safeStorage is truly encrypting; otherwise keytar anyway, so
 * every secret operation fails closed with KEYCHAIN_UNAVAILABLE.
 */
export async function chooseKeychain(opts: {
  primary: KeychainBackend;
  fallback: () => SafeStorageKeychain;
  platform: string;
  probeTimeoutMs?: number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}): Promise<{ backend: KeychainBackend; kind: 'os' | 'safeStorage'; problem: string | null }> {
  if (opts.platform !== 'linux') return { backend: opts.primary, kind: 'os', problem: null };
  let failure: unknown = null;
  try {
    await withTimeout(opts.primary.findCredentials('app.nook.desktop.probe'), opts.probeTimeoutMs ?? 5000);
    return { backend: opts.primary, kind: 'os', problem: null };
  } catch (e) {
    failure = e;
  }
  const reason = failure instanceof Error ? failure.message : String(failure);
  if (!isNoSecretServiceError(failure) && !(failure instanceof AppError)) {
    opts.log?.warn({ reason }, 'OS keychain probe failed; not falling back');
    return { backend: opts.primary, kind: 'os', problem: reason };
  }
  const fallback = opts.fallback();
  const problem = fallback.problem;
  if (problem) {
    opts.log?.warn({ reason, problem }, 'no Secret Service and no safe fallback: secrets are unavailable');
    return { backend: opts.primary, kind: 'os', problem: `${reason}; ${problem}` };
  }
  opts.log?.info({}, 'no Secret Service: storing secrets with Electron safeStorage');
  return { backend: fallback, kind: 'safeStorage', problem: null };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the OS keychain did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
