import { useState } from 'react';

/** A button that copies a text to the clipboard and says so (or says how to copy by hand). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState('');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('Copied');
    } catch {
      setSaid('Cannot reach the clipboard: select the text and press Ctrl+C');
    }
  };
  return (
    <span className="copy">
      <button type="button" className="secondary small" aria-label={label} onClick={() => void copy()}>
        Copy
      </button>
      <span className="copy-said" role="status">
        {said}
      </span>
    </span>
  );
}
