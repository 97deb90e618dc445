import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

function QuickAsk() {
  return <main>Quick ask</main>;
}

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <QuickAsk />
    </StrictMode>,
  );
