import { EmptyState } from '../../components/EmptyState';

export function BriefingView() {
  return (
    <div className="view">
      <header className="view__header">
        <h1 className="view__title">Briefing</h1>
      </header>
      <EmptyState icon="briefing" title="Your daily briefing" arrives="Briefings arrive in a coming update.">
        <p>
          A short summary of what changed in your Library and the sources you choose will appear here each
          morning, with links back to the documents it came from.
        </p>
      </EmptyState>
    </div>
  );
}
