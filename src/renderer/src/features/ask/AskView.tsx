import { EmptyState } from '../../components/EmptyState';

export function AskView() {
  return (
    <div className="view">
      <header className="view__header">
        <h1 className="view__title">Ask</h1>
      </header>
      <EmptyState
        icon="ask"
        title="Ask about your own documents"
        arrives="The assistant arrives in a coming update."
      >
        <p>
          Your questions and Nook’s answers will appear here. Each answer will cite the passages from your
          Library it was drawn from, and runs on this computer unless you allow a cloud provider in Settings.
        </p>
      </EmptyState>
    </div>
  );
}
