/**
 * The built bundle, not the sources: `electron-vite build` into a scratch outDir, then
 *  1. out/main imports only Node builtins, `electron` and runtime dependencies (nothing a packaged app
 *     lacks), and the preload is a small CommonJS file that requires only `electron` (no zod);
 *  2. out/main/index.js runs in plain Node with the `electron` specifier resolved to the stand-in
 *     (module hooks, so electron-store's own `import electron` gets it too) and a session bus that is
 *     not there, so the shell must fall back to safeStorage for secrets.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/shared/ipc/channels';

const root = path.resolve(__dirname, '../..');
// Inside the project, so the bundle resolves node_modules and package.json's "type": "module" like out/ does.
const outDir = path.join(root, 'node_modules', '.cache', 'nook-bundle-test');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

function jsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(c|m)?js$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module specifier a built file imports (static, dynamic, require). */
function specifiers(code: string): string[] {
  const out = new Set<string>();
  const patterns = [
    /\bimport\s+(?:[\w*{}\s,]+\s+from\s+)?["']([^"']+)["']/g,
    /\bexport\s+[\w*{}\s,]+\s+from\s+["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.add(m[1]!);
  return [...out];
}

function packageName(spec: string): string {
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
}

beforeAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
      'build',
      '--outDir',
      outDir,
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
}, 180_000);

describe('built bundle', () => {
  it('main imports only builtins, electron and runtime dependencies', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const runtimeDeps = new Set(Object.keys(pkg.dependencies));
    const files = jsFiles(path.join(outDir, 'main'));
    expect(files.map((f) => path.relative(outDir, f))).toContain(path.join('main', 'index.js'));
    const bad: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
        if (spec.startsWith('./') || spec.startsWith('../')) {
          const target = path.resolve(path.dirname(file), spec);
          if (!target.startsWith(path.join(outDir, 'main'))) bad.push(`${path.basename(file)} -> ${spec}`);
          continue;
        }
        if (spec === 'electron' || builtins.has(spec) || runtimeDeps.has(packageName(spec))) continue;
        bad.push(`${path.basename(file)} -> ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the preload is small CommonJS that requires only electron and carries the allow-list, not zod', () => {
    const file = path.join(outDir, 'preload', 'index.cjs');
    const code = fs.readFileSync(file, 'utf8');
    expect(specifiers(code)).toEqual(['electron']);
    expect(code).not.toMatch(/\bimport\s/);
    expect(code).not.toContain('zod');
    expect(code).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*\)/);
    for (const route of ROUTES) expect(code).toContain(`"${route}"`);
    expect(fs.statSync(file).size).toBeLessThan(16 * 1024);
  });

  it('out/main/index.js starts, serves IPC and shuts down in order on the stand-in electron', () => {
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'nook-bundle-'));
    try {
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--import',
          './test/electron/fixtures/registerStandIn.mjs',
          path.join(outDir, 'main', 'index.js'),
        ],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            ...process.env,
            NOOK_TEST_USERDATA: userData,
            NOOK_TEST_APPPATH: root,
            // No session bus: keytar cannot reach a Secret Service, so secrets must go to safeStorage.
            DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/nook-test-bus',
            ELECTRON_RENDERER_URL: '',
          },
        },
      );
      const line = r.stdout.split('\n').find((l) => l.startsWith('NOOK_BUNDLE_RESULT '));
      if (!line)
        throw new Error(`no result from the bundle run (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
      const res = JSON.parse(line.slice('NOOK_BUNDLE_RESULT '.length));
      expect(res.harnessError).toBeUndefined();
      expect(res.errorBoxes).toEqual([]);
      expect(res.handlers).toEqual(['nook:invoke']);
      expect(res.windows).toHaveLength(1);
      expect(res.windows[0].url).toBe(`file://${path.join(outDir, 'renderer', 'index.html')}`);
      expect(res.windows[0].prefs).toMatchObject({
        preload: path.join(outDir, 'preload', 'index.cjs'),
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webSecurity: true,
      });
      expect(res.trayMenu).toEqual(['Open Nook', 'Today’s briefing', 'Quick ask', 'separator', 'Quit']);
      // electron-store really loaded (it imports electron itself) and holds the settings.
      expect(res.electronStoreListener).toBe(true);
      expect(res.status).toMatchObject({ ok: true, value: { mode: 'desktop', version: '0.1.0-test' } });
      expect(res.update).toMatchObject({ ok: true });
      expect(JSON.parse(fs.readFileSync(path.join(userData, 'settings.json'), 'utf8')).appearance.theme).toBe(
        'dark',
      );
      // Secrets went to the safeStorage file, encrypted.
      expect(res.secretSet).toEqual({ ok: true, value: { present: true } });
      expect(res.secretHas).toEqual({ ok: true, value: { present: true } });
      const secretsFile = fs.readFileSync(path.join(userData, 'secrets.safeStorage.json'), 'utf8');
      expect(secretsFile).toContain('custom.bundletest');
      expect(secretsFile).not.toContain('bundle-secret-value');
      // The stand-in holds Ctrl+Alt+K for "another application".
      expect(res.hotkeys.value).toContainEqual({
        id: 'quickAsk',
        accelerator: 'CommandOrControl+Alt+K',
        registered: false,
        problem: 'Ctrl+Alt+K is taken by another application',
      });
      expect(res.foreign).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(res.exitCode).toBe(0);
      const log: string[] = res.log;
      const order = [
        'shortcut.unregister:CommandOrControl+Alt+Space',
        'tray.destroy',
        'window.destroy:Nook',
        'ipc.removeHandler:nook:invoke',
        'session.onHeadersReceived:null',
        'app.exit:0',
      ].map((e) => log.indexOf(e));
      expect(order.every((i) => i >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      // Nothing secret reached the log file.
      const logs = fs
        .readdirSync(path.join(userData, 'logs'))
        .map((f) => fs.readFileSync(path.join(userData, 'logs', f), 'utf8'));
      expect(logs.join('\n')).not.toContain('bundle-secret-value');
    } finally {
      fs.rmSync(userData, { recursive: true, force: true });
    }
  }, 90_000);
});
