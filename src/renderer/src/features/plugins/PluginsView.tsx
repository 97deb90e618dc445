import { useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import type {
  PluginInfo,
  PluginInspect,
  PluginLogEntry,
  PluginPermission,
} from '../../../../shared/types/plugins';
import { invoke, resolveDroppedFiles, transportKind } from '../../api';
import { uploadPluginPackage } from '../../api/pluginUpload';
import { Switch } from '../../components/Switch';
import { unwrap, useToastStore } from '../../stores/useToastStore';

/**
 * Plugins: install a package (dropped on the screen: by its path in the desktop app, uploaded to the
 * host in a browser; or by its path on the machine running Nook), review and approve the permissions
 * it asks for, then enable, disable, uninstall, run its commands, and read its log and statistics.
 * Drops here are the screen's own: they never reach the window's Library import.
 */
export function PluginsView() {
  const [plugins, setPlugins] = useState<PluginInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<{ path: string; inspect: PluginInspect } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [uploading, setUploading] = useState<string | null>(null);
  const latest = useRef(0);

  const reload = async () => {
    const mine = ++latest.current;
    const r = await invoke('plugins.list', {});
    if (mine !== latest.current) return;
    if (r.ok) {
      setPlugins(r.value);
      setError(null);
    } else setError(r.message);
  };

  useEffect(() => {
    let alive = true;
    void invoke('plugins.list', {}).then((r) => {
      if (!alive) return;
      if (r.ok) setPlugins(r.value);
      else setError(r.message);
    });
    return () => {
      alive = false;
    };
  }, []);

  const inspect = async (path: string) => {
    const r = unwrap(await invoke('plugins.inspect', { path }));
    if (r) setPending({ path, inspect: r });
  };

  /** In a browser: the package goes to the host, which inspects it and keeps it for the install. */
  const upload = async (file: File) => {
    setUploading(file.name);
    try {
      const r = unwrap(await uploadPluginPackage(file));
      if (r) setPending({ path: r.path, inspect: r.inspect });
    } finally {
      setUploading(null);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (files.length === 0) return;
    if (files.length > 1)
      useToastStore.getState().push({ level: 'warning', message: 'Drop one plugin package at a time.' });
    const dropped = resolveDroppedFiles(files.slice(0, 1));
    if (dropped.kind === 'paths') {
      if (dropped.paths.length > 0) void inspect(dropped.paths[0]!);
      return;
    }
    void upload(dropped.files[0]!);
  };

  return (
    <div
      className="view plugins"
      onDragEnter={(e) => {
        e.preventDefault();
        e.stopPropagation();
      }}
      onDragOver={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid="plugins-drop-target"
      data-dragging={dragging || undefined}
    >
      <header className="view__header">
        <h1 className="view__title">Plugins</h1>
      </header>
      <p className="muted">
        Plugins run sandboxed: each in its own worker, with a memory and time limit, no access to your files,
        network or environment except what you approve below.
      </p>
      <InstallForm onInspect={inspect} onUpload={upload} />
      {uploading ? (
        <p className="muted" role="status" data-testid="plugin-uploading">
          Reading {uploading}…
        </p>
      ) : null}
      {pending ? (
        <ApprovalCard
          pending={pending}
          onCancel={() => setPending(null)}
          onInstalled={() => {
            setPending(null);
            void reload();
          }}
        />
      ) : null}
      {error ? <p className="field__error">Could not list plugins: {error}</p> : null}
      {plugins === null && !error ? <p className="muted">Loading…</p> : null}
      {plugins !== null && plugins.length === 0 ? (
        <p className="muted" data-testid="plugins-empty">
          No plugins installed. Drop a plugin package (.zip or folder) here, or enter its path.
        </p>
      ) : null}
      {plugins?.map((p) => (
        <PluginCard key={p.id} plugin={p} onChanged={() => void reload()} />
      ))}
    </div>
  );
}

function InstallForm({
  onInspect,
  onUpload,
}: {
  onInspect(path: string): Promise<void>;
  onUpload(file: File): Promise<void>;
}) {
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  /** The desktop app picks with the system dialog (a path); a browser picks a file to upload. */
  const choose = async () => {
    if (transportKind() !== 'ipc') return fileInput.current?.click();
    const r = unwrap(await invoke('app.pickFiles', { folders: false }));
    const picked = r?.paths[0];
    if (picked) await onInspect(picked);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!path.trim()) return;
    setBusy(true);
    try {
      await onInspect(path.trim());
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="Install a plugin">
      <label className="field">
        <span className="field__label">Install a plugin package</span>
        <span className="field__hint">
          Drop a plugin .zip on this screen, or give the path of a .zip or folder with nook-plugin.json on the
          machine running Nook.
        </span>
        <input
          className="input"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="/path/to/plugin.zip"
          data-testid="plugin-path"
        />
      </label>
      <div style={{ display: 'flex', gap: 8 }}>
        <button className="button" type="submit" disabled={busy || !path.trim()} data-testid="plugin-inspect">
          Review permissions…
        </button>
        <button className="button" type="button" onClick={() => void choose()} data-testid="plugin-choose">
          Choose a package…
        </button>
      </div>
      <input
        ref={fileInput}
        type="file"
        accept=".zip,application/zip"
        hidden
        data-testid="plugin-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void onUpload(file);
        }}
      />
    </form>
  );
}

function ApprovalCard({
  pending,
  onCancel,
  onInstalled,
}: {
  pending: { path: string; inspect: PluginInspect };
  onCancel(): void;
  onInstalled(): void;
}) {
  const { manifest: m, permissions } = pending.inspect;
  const [approved, setApproved] = useState<Set<PluginPermission>>(new Set(permissions.map((p) => p.id)));
  const [busy, setBusy] = useState(false);
  const install = async () => {
    setBusy(true);
    try {
      const r = unwrap(
        await invoke('plugins.install', { path: pending.path, approvedPermissions: [...approved] }),
      );
      if (r) {
        useToastStore.getState().push({
          level: r.state === 'error' ? 'warning' : 'success',
          message:
            r.state === 'error'
              ? `${r.name} was installed but did not load: ${r.problem}`
              : `${r.name} was installed.`,
        });
        onInstalled();
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" role="dialog" aria-labelledby="plugin-approve-h" data-testid="plugin-approval">
      <h2 className="card__title" id="plugin-approve-h">
        Install {m.name} {m.version}?
      </h2>
      <p className="muted">
        {m.description || 'No description.'} {m.author ? `By ${m.author}.` : ''}
        {pending.inspect.installedVersion
          ? ` Replaces the installed version ${pending.inspect.installedVersion}.`
          : ''}
      </p>
      <h3 className="card__subtitle">It asks to</h3>
      {permissions.length === 0 ? (
        <p className="muted">Nothing: it only computes with what you give it.</p>
      ) : null}
      <ul className="plugins__permissions">
        {permissions.map((p) => (
          <li key={p.id}>
            <label>
              <input
                type="checkbox"
                checked={approved.has(p.id)}
                onChange={(e) => {
                  const next = new Set(approved);
                  if (e.target.checked) next.add(p.id);
                  else next.delete(p.id);
                  setApproved(next);
                }}
                data-testid={`approve-${p.id}`}
              />{' '}
              {p.description}
              {p.id === 'http.fetch' && m.allowedHosts.length ? `: ${m.allowedHosts.join(', ')}` : ''}
            </label>
          </li>
        ))}
      </ul>
      <p className="muted">
        Limits: {m.limits.memoryMb} MB of memory, {m.limits.timeoutMs / 1000} s a call.
        {m.commands.length ? ` Commands: ${m.commands.map((c) => c.title).join(', ')}.` : ''}
        {m.briefingSections.length
          ? ` Briefing sections: ${m.briefingSections.map((s) => s.title).join(', ')}.`
          : ''}
      </p>
      <div style={{ display: 'flex', gap: 8 }}>
        <button
          className="button button--primary"
          onClick={() => void install()}
          disabled={busy}
          data-testid="plugin-install"
        >
          Install
        </button>
        <button className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  );
}

function PluginCard({ plugin: p, onChanged }: { plugin: PluginInfo; onChanged(): void }) {
  const [busy, setBusy] = useState(false);
  const [logs, setLogs] = useState<PluginLogEntry[] | null>(null);
  const denied = p.requestedPermissions.filter((x) => !p.permissions.includes(x));
  const avg = p.stats.calls ? p.stats.totalMs / p.stats.calls : 0;

  const toggle = async (enabled: boolean) => {
    setBusy(true);
    try {
      if (unwrap(await invoke(enabled ? 'plugins.enable' : 'plugins.disable', { id: p.id }))) onChanged();
    } finally {
      setBusy(false);
    }
  };
  const uninstall = async () => {
    if (!window.confirm(`Uninstall ${p.name}? Its data and logs are removed too.`)) return;
    setBusy(true);
    try {
      if (unwrap(await invoke('plugins.uninstall', { id: p.id }))) {
        useToastStore.getState().push({ level: 'info', message: `${p.name} was uninstalled.` });
        onChanged();
      }
    } finally {
      setBusy(false);
    }
  };
  const showLogs = async () => {
    if (logs) return setLogs(null);
    const r = unwrap(await invoke('plugins.logs', { id: p.id, limit: 100 }));
    if (r) setLogs(r);
  };

  return (
    <section className="card plugin" data-plugin={p.id} data-state={p.state} aria-label={p.name}>
      <div style={{ display: 'flex', alignItems: 'center', gap: 8, flexWrap: 'wrap' }}>
        <h2 className="card__title" style={{ margin: 0 }}>
          {p.name} <span className="muted">{p.version}</span>
        </h2>
        <span
          className={`badge ${p.state === 'ok' ? 'badge--ok' : p.state === 'error' ? 'badge--down' : 'badge--muted'}`}
          data-testid="plugin-state"
        >
          {p.state === 'ok' ? 'Enabled' : p.state === 'error' ? 'Failed to load' : 'Disabled'}
        </span>
      </div>
      {p.description ? <p className="muted">{p.description}</p> : null}
      {p.problem ? <p className="field__error">{p.problem}</p> : null}
      <Switch label="Enabled" checked={p.enabled} disabled={busy} onChange={(v) => void toggle(v)} />
      <p className="muted" data-testid="plugin-permissions">
        Allowed: {p.permissions.length ? p.permissions.join(', ') : 'nothing'}
        {denied.length ? ` · Denied: ${denied.join(', ')}` : ''}
      </p>
      <p className="muted" data-testid="plugin-stats">
        {p.stats.calls} calls · {p.stats.errors} errors · {p.stats.timeouts} timeouts · {avg.toFixed(1)} ms
        average
        {p.stats.lastError ? ` · last error: ${p.stats.lastError}` : ''}
      </p>
      {p.enabled
        ? p.commands.map((c) => <CommandRunner key={c.id} plugin={p} command={c} onRan={onChanged} />)
        : null}
      <div style={{ display: 'flex', gap: 8 }}>
        <button className="button" onClick={() => void showLogs()} data-testid="plugin-logs">
          {logs ? 'Hide log' : 'Show log'}
        </button>
        <button className="button button--danger" onClick={() => void uninstall()} disabled={busy}>
          Uninstall
        </button>
      </div>
      {logs ? (
        <pre className="plugin__log" data-testid="plugin-log">
          {logs.length
            ? logs.map((l) => `${l.time} ${l.level} ${l.message}`).join('\n')
            : 'The log is empty.'}
        </pre>
      ) : null}
    </section>
  );
}

function CommandRunner({
  plugin,
  command,
  onRan,
}: {
  plugin: PluginInfo;
  command: PluginInfo['commands'][number];
  onRan(): void;
}) {
  const [input, setInput] = useState('');
  const [output, setOutput] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = unwrap(await invoke('plugins.run', { id: plugin.id, command: command.id, input }));
      if (r) setOutput(textOf(r.output));
      onRan();
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="field" onSubmit={(e) => void submit(e)} data-command={command.id}>
      <span className="field__label">{command.title}</span>
      {command.voiceExamples.length ? (
        <span className="field__hint">Say or type: “{command.voiceExamples[0]}”</span>
      ) : null}
      <div style={{ display: 'flex', gap: 8 }}>
        <input
          className="input"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          aria-label={`${command.title} input`}
          data-testid="command-input"
        />
        <button className="button" type="submit" disabled={busy} data-testid="command-run">
          Run
        </button>
      </div>
      {output !== null ? (
        <output className="plugin__output" data-testid="command-output">
          {output}
        </output>
      ) : null}
    </form>
  );
}

/** A command's JSON answer with a "text" field shows that text; anything else shows as is. */
export function textOf(output: string): string {
  try {
    const v = JSON.parse(output) as { text?: unknown };
    if (typeof v?.text === 'string') return v.text;
  } catch {
    // not JSON
  }
  return output;
}
