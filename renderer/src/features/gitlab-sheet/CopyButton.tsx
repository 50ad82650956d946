import { useEffect, useState } from 'react';
import { copyText } from '../../lib/copy-text';

/** A small "Copy" button that says "Copied" for a moment (or why it could not). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [outcome, setOutcome] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (outcome === null) return;
    const timer = window.setTimeout(() => setOutcome(null), 1500);
    return () => window.clearTimeout(timer);
  }, [outcome]);
  return (
    <button type="button" className="small-button copy-button" aria-label={`Copy ${label}`} onClick={() => void copyText(text).then((ok) => setOutcome(ok ? 'copied' : 'failed'))} data-testid="copy-button">
      {outcome === 'copied' ? 'Copied' : outcome === 'failed' ? 'Copy failed' : 'Copy'}
    </button>
  );
}
