import { useEffect, useState } from 'react';
import './copy-button.css';

/** How long "Copied" stays on the button before it reads "Copy" again. */
const SAID_MS = 2500;

/** A button that copies a text to the clipboard and says so, on the button and to screen readers (or says how to copy by hand). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState<'' | 'copied' | 'failed'>('');
  useEffect(() => {
    if (said !== 'copied') return undefined;
    const timer = setTimeout(() => setSaid(''), SAID_MS);
    return () => clearTimeout(timer);
  }, [said]);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('copied');
    } catch {
      setSaid('failed');
    }
  };
  return (
    <span className="copy">
      <button type="button" className={`secondary small${said === 'copied' ? ' copied' : ''}`} aria-label={label} onClick={() => void copy()}>
        {said === 'copied' ? '✓ Copied' : 'Copy'}
      </button>
      <span className={`copy-said${said === 'failed' ? ' failed' : ''}`} role="status">
        {said === 'copied' ? 'Copied' : said === 'failed' ? 'Cannot reach the clipboard: select the text and press Ctrl+C' : ''}
      </span>
    </span>
  );
}
