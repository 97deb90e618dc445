/**
 * `settings.general.launchAtLogin`: macOS and Windows through Electron's login items; Linux through
 * an XDG autostart entry (~/.config/autostart/app.nook.desktop), which Electron does not offer.
 * Only the installed app registers itself: a development run would register the bare Electron binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { App } from 'electron';

export const AUTOSTART_FILE = 'app.nook.desktop';

export interface LoginItemDeps {
  app: Pick<App, 'setLoginItemSettings' | 'isPackaged'>;
  platform: string;
  env: Record<string, string | undefined>;
  homeDir: string;
  /** The program to start: the AppImage when run from one, else the executable. */
  execPath: string;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Applies the setting; returns what it did, for logs and tests. */
export function applyLoginItem(
  deps: LoginItemDeps,
  enabled: boolean,
): 'skipped-dev' | 'login-item' | 'autostart-written' | 'autostart-removed' | 'failed' {
  if (!deps.app.isPackaged) {
    deps.log?.info(
      { enabled },
      'launch at login applies to the installed app only; not changed in development',
    );
    return 'skipped-dev';
  }
  try {
    if (deps.platform === 'darwin' || deps.platform === 'win32') {
      deps.app.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] });
      return 'login-item';
    }
    const file = autostartPath(deps.env, deps.homeDir);
    if (!enabled) {
      fs.rmSync(file, { force: true });
      return 'autostart-removed';
    }
    const program = deps.env.APPIMAGE || deps.execPath;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Nook',
        'Comment=Local-first personal AI assistant',
        `Exec=${desktopExecQuote(program)} --hidden`,
        'Icon=nook',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
    return 'autostart-written';
  } catch (e) {
    deps.log?.warn({ err: e }, 'could not change launch at login');
    return 'failed';
  }
}

export function autostartPath(env: Record<string, string | undefined>, homeDir: string): string {
  const config =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : path.join(homeDir, '.config');
  return path.join(config, 'autostart', AUTOSTART_FILE);
}

/** Quoting for the Exec key of a .desktop file (Desktop Entry Specification, "The Exec key"). */
export function desktopExecQuote(arg: string): string {
  if (!/[\s"'\\`$<>|&;*?#()~]/.test(arg)) return arg.replace(/%/g, '%%');
  return `"${arg.replace(/([\\"`$])/g, '\\$1').replace(/%/g, '%%')}"`;
}
