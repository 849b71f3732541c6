import type { SerializedError } from '../../shared/errors.js';

/** An error as the user reads it: the sentence, and the thing at fault. */
export function ErrorMessage({ error }: { error: SerializedError }) {
  return (
    <div className="error" role="alert">
      <strong>{error.code === 'cancelled' ? 'Cancelled' : 'Error'}:</strong> {error.message}
    </div>
  );
}
