/** Shared pieces of the vector tests. */
import path from 'node:path';
import type { SidecarLogger, SidecarSecrets } from '../../../src/main/services/vectors/qdrantSidecar';

export const FAKE_QDRANT = path.resolve(__dirname, '../../fixtures/fakeQdrant.mjs');

/** The SidecarSecrets interface over a Map: what the keychain holds, inspectable by the test. */
export class MemorySecrets implements SidecarSecrets {
  readonly values = new Map<string, string>();
  async reveal(id: string) {
    return this.values.get(id) ?? null;
  }
  async set(id: string, value: string) {
    this.values.set(id, value);
  }
}

export class LineLogger implements SidecarLogger {
  readonly lines: string[] = [];
  debug = (m: string) => void this.lines.push(`debug ${m}`);
  info = (m: string) => void this.lines.push(`info ${m}`);
  warn = (m: string) => void this.lines.push(`warn ${m}`);
  error = (m: string) => void this.lines.push(`error ${m}`);
}
