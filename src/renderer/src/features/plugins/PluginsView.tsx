import { EmptyState } from '../../components/EmptyState';

export function PluginsView() {
  return (
    <div className="view">
      <header className="view__header">
        <h1 className="view__title">Plugins</h1>
      </header>
      <EmptyState
        icon="plugins"
        title="Extend Nook with plugins"
        arrives="Plugins arrive in a coming update."
      >
        <p>
          Installed plugins will be listed here with the permissions each one asked for, whether it is
          enabled, and its recent activity. Plugins run sandboxed and see only what you grant them.
        </p>
      </EmptyState>
    </div>
  );
}
