import { useReview } from '../../store/stores-context.js';

/** "This bundle was also written to …": copies on media that signing and approving should reach too. */
export function CopiesNotice() {
  const copies = useReview((s) => s.copies);
  const allCopies = useReview((s) => s.allCopies);
  const setAllCopies = useReview((s) => s.setAllCopies);
  if (copies.status !== 'done' || copies.result.copies.length === 0) return null;
  const same = copies.result.copies.filter((c) => c.sameBundleJson);
  const other = copies.result.copies.filter((c) => !c.sameBundleJson);
  const where = (list: typeof same): string => list.map((c) => (c.label ? `${c.dir} (${c.label})` : c.dir)).join(', ');
  return (
    <div className="copies-notice" role="note" aria-labelledby="copies-title">
      <p id="copies-title">
        <strong>This bundle was also written to {where(copies.result.copies)}.</strong>
      </p>
      {same.length > 0 ? (
        <>
          <p>A signature or approval written only here leaves those copies without it, and Import then refuses them.</p>
          <label className="check">
            <input type="checkbox" checked={allCopies} onChange={(e) => setAllCopies(e.target.checked)} /> Sign and approve every copy ({same.length + 1} folders)
          </label>
        </>
      ) : null}
      {other.length > 0 ? <p className="warn">{where(other)}: a different bundle.json with the same bundle id (written before a change here); it is not signed or approved with this one.</p> : null}
    </div>
  );
}
