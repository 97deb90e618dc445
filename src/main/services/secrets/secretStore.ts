/**
 * Secrets live in the OS keychain and only in the main process (Cherry Studio's secretCipher, minus
 * its logged-API-key bug). The renderer may set, test, delete and ask whether one exists; no route
 * returns a value. There is no plaintext fallback: without a keychain every operation fails with
 * KEYCHAIN_UNAVAILABLE and nothing is written anywhere.
 */
import { AppError } from '../../../shared/ipc/result';
import { toDisposable, type Disposable } from '../../../shared/lifecycle';
import { KNOWN_SECRETS, SecretIdSchema, type SecretInfo } from '../../../shared/types/secrets';
import type { EventBus } from '../../rpc/eventBus';
import type { Logger } from '../logging/logger';
import { Redactor } from './redactor';
import {
  elevenLabsTester,
  openAiCompatibleTester,
  type SecretTester,
  type SecretTestResult,
} from './testers';

/** keytar's shape, so keytar itself or a test double of the same shape fits. */
export interface KeychainBackend {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

export interface KeychainStatus {
  state: 'unknown' | 'ok' | 'unavailable';
  detail: string;
  checkedAt: string | null;
}

export interface SecretStoreOptions {
  /** The keychain "service" every secret is filed under. Default "Nook"; tests use a random one. */
  service?: string;
  /** Where the built-in testers send their check (a function is read at test time). */
  baseUrls?: {
    openai?: string | (() => string);
    gemini?: string | (() => string);
    elevenlabs?: string | (() => string);
  };
  /** Register the built-in testers (default true). */
  defaultTesters?: boolean;
  /**
   * A keychain call that takes longer than this is treated as unreachable. A locked keyring shows an
   * unlock prompt, so user operations wait long enough to type a password (default 60 s); the
   * start-up warm-up waits at most 10 s and keeps listening in the background.
   */
  timeoutMs?: number;
}

export const DEFAULT_KEYCHAIN_SERVICE = 'Nook';

export class SecretStore {
  readonly redactor = new Redactor();
  readonly service: string;
  private readonly testers = new Map<string, SecretTester>();
  private readonly labels = new Map<string, string>(KNOWN_SECRETS.map((s) => [s.id, s.label]));
  /** id -> value already handed to the redactor (so values are added once per id). */
  private readonly redacting = new Map<string, string>();
  private status: KeychainStatus = { state: 'unknown', detail: 'Not checked yet', checkedAt: null };
  private readonly statusListeners = new Set<(s: KeychainStatus) => void>();
  private readonly timeoutMs: number;

  constructor(
    private readonly keychain: KeychainBackend,
    private readonly events: EventBus,
    options: SecretStoreOptions = {},
  ) {
    this.service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    if (options.defaultTesters !== false) {
      const urls = options.baseUrls ?? {};
      this.registerTester(
        'provider.openai',
        openAiCompatibleTester({ name: 'OpenAI', baseUrl: urls.openai ?? 'https://api.openai.com/v1' }),
      );
      this.registerTester(
        'provider.gemini',
        openAiCompatibleTester({
          name: 'Google Gemini',
          baseUrl: urls.gemini ?? 'https://generativelanguage.googleapis.com/v1beta/openai',
        }),
      );
      this.registerTester(
        'voice.elevenlabs',
        elevenLabsTester({ name: 'ElevenLabs', baseUrl: urls.elevenlabs ?? 'https://api.elevenlabs.io/v1' }),
      );
    }
  }

  /** Offer another secret in `list()` (a service that needs a key declares it). */
  declare(id: string, label: string): void {
    this.labels.set(checkId(id), label);
  }

  /**
   * Registers an online check for one id ("provider.openai") or every id under a prefix ending in
   * a dot ("provider."). The most specific registration wins.
   */
  registerTester(idOrPrefix: string, tester: SecretTester): Disposable {
    this.testers.set(idOrPrefix, tester);
    return toDisposable(() => {
      if (this.testers.get(idOrPrefix) === tester) this.testers.delete(idOrPrefix);
    });
  }

  keychainStatus(): KeychainStatus {
    return { ...this.status };
  }

  onDidChangeKeychainStatus(cb: (s: KeychainStatus) => void): Disposable {
    this.statusListeners.add(cb);
    return toDisposable(() => void this.statusListeners.delete(cb));
  }

  /** Checks that the keychain answers; never throws. */
  async probe(): Promise<KeychainStatus> {
    try {
      await this.call('reach it', () => this.keychain.findCredentials(this.service));
    } catch {
      // recorded in status
    }
    return this.keychainStatus();
  }

  async has(id: string): Promise<boolean> {
    const value = await this.call('read a secret', () =>
      this.keychain.getPassword(this.service, checkId(id)),
    );
    if (value) this.track(id, value);
    return value !== null && value !== '';
  }

  async set(id: string, value: string): Promise<void> {
    checkId(id);
    if (typeof value !== 'string' || value.length === 0)
      throw new AppError('INVALID_INPUT', 'A secret cannot be empty.');
    // Redact first: if the keychain error text echoes the value, the log still never shows it.
    this.track(id, value);
    await this.call('store a secret', () => this.keychain.setPassword(this.service, id, value));
    this.events.emit('secrets.changed', { id, present: true });
  }

  async delete(id: string): Promise<void> {
    checkId(id);
    await this.call('delete a secret', () => this.keychain.deletePassword(this.service, id));
    // The old value stays in the redactor until restart: it must not show up in logs either.
    this.events.emit('secrets.changed', { id, present: false });
  }

  /** Known secrets plus every stored id, with presence; never values. */
  async list(): Promise<SecretInfo[]> {
    const stored = await this.call('list secrets', () => this.keychain.findCredentials(this.service));
    const present = new Set<string>();
    for (const c of stored) {
      if (!SecretIdSchema.safeParse(c.account).success) continue; // not one of ours
      present.add(c.account);
      if (c.password) this.track(c.account, c.password);
    }
    const ids = [...this.labels.keys(), ...[...present].filter((id) => !this.labels.has(id)).sort()];
    return ids.map((id) => ({
      id,
      label: this.labels.get(id) ?? id,
      present: present.has(id),
      testable: this.testerFor(id) !== undefined,
    }));
  }

  /** Checks a stored secret with its tester, or reports that the keychain holds it. Never returns the value. */
  async test(id: string): Promise<SecretTestResult> {
    const value = await this.call('read a secret', () =>
      this.keychain.getPassword(this.service, checkId(id)),
    );
    if (!value) return { ok: false, message: `No secret is stored for ${id}.` };
    this.track(id, value);
    const tester = this.testerFor(id);
    if (!tester)
      return {
        ok: true,
        message: 'The secret is stored in the OS keychain (there is no online check for it).',
      };
    let result: SecretTestResult;
    try {
      result = await tester(value);
    } catch (e) {
      result = { ok: false, message: `The check failed: ${(e as Error).message}` };
    }
    return { ok: result.ok === true, message: this.redactor.redact(String(result.message)) };
  }

  /**
   * The value, for main-process services that call a provider. NOT exposed by any route: the
   * renderer and remote clients can never read a secret back.
   */
  async reveal(id: string): Promise<string | null> {
    const value = await this.call('read a secret', () =>
      this.keychain.getPassword(this.service, checkId(id)),
    );
    if (value) this.track(id, value);
    return value;
  }

  /** Loads every stored value into the redactor, so logs are clean even for secrets stored in earlier runs. */
  async warmUp(log: Logger): Promise<void> {
    // Values reach the redactor whenever the keychain answers, even after the wait below gave up
    // (a keyring unlocked late by the user).
    const pending = this.keychain.findCredentials(this.service).then((stored) => {
      for (const c of stored) if (c.password) this.track(c.account, c.password);
      return stored;
    });
    try {
      const stored = await this.call('list secrets', () => pending, Math.min(this.timeoutMs, 10_000));
      log.info({ secrets: stored.length }, 'keychain reachable; stored secrets loaded into the log redactor');
    } catch (e) {
      log.warn((e as Error).message);
      pending.then(
        (stored) => {
          this.setStatus('ok', 'The OS keychain is reachable');
          log.info(
            { secrets: stored.length },
            'keychain answered late; stored secrets loaded into the log redactor',
          );
        },
        () => undefined,
      );
    }
  }

  private testerFor(id: string): SecretTester | undefined {
    const exact = this.testers.get(id);
    if (exact) return exact;
    let best: [string, SecretTester] | undefined;
    for (const [key, tester] of this.testers) {
      if (key.endsWith('.') && id.startsWith(key) && (!best || key.length > best[0].length))
        best = [key, tester];
    }
    return best?.[1];
  }

  private track(id: string, value: string): void {
    if (this.redacting.get(id) === value) return;
    this.redacting.set(id, value);
    this.redactor.add(value);
  }

  private async call<T>(what: string, fn: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`it did not answer within ${Math.round(timeoutMs / 1000)} s (is it locked?)`)),
            timeoutMs,
          );
        }),
      ]);
      this.setStatus('ok', 'The OS keychain is reachable');
      return result;
    } catch (e) {
      const raw =
        e instanceof AppError
          ? e.message.replace(/^The OS keychain is not reachable: /, '')
          : (e as Error)?.message;
      const why = this.redactor.redact(String(raw ?? e));
      this.setStatus('unavailable', why);
      throw new AppError(
        'KEYCHAIN_UNAVAILABLE',
        `The OS keychain is not reachable: ${why} (while trying to ${what})`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private setStatus(state: KeychainStatus['state'], detail: string): void {
    const changed = this.status.state !== state || this.status.detail !== detail;
    this.status = { state, detail, checkedAt: new Date().toISOString() };
    if (!changed) return;
    for (const cb of this.statusListeners) {
      try {
        cb(this.keychainStatus());
      } catch {
        // listeners must not break secret operations
      }
    }
  }
}

function checkId(id: string): string {
  const parsed = SecretIdSchema.safeParse(id);
  if (!parsed.success)
    throw new AppError('INVALID_INPUT', `Invalid secret id: ${parsed.error.issues[0]?.message ?? id}`);
  return parsed.data;
}
