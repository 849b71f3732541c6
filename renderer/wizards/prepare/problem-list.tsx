import { usePrepare } from '../../store/stores-context.js';
import type { ProblemField } from '../../store/prepare-store.js';

/** How many problems the list under Build shows before "and N more". */
const SHOWN = 20;

/** The problems of one field, next to it (gone as soon as the field is put right). */
export function FieldProblem({ field, id }: { field: Exclude<ProblemField, 'row'>; id?: string }) {
  const all = usePrepare((s) => s.problems);
  const problems = all.filter((p) => p.field === field);
  if (problems.length === 0) return null;
  return (
    <p className="field-problem" id={id}>
      {problems.map((p) => (
        <span key={p.message}>✗ {p.message} </span>
      ))}
    </p>
  );
}

/** Every problem that stopped the build, each naming its row or field (rows are also marked in the list). */
export function ProblemList() {
  const problems = usePrepare((s) => s.problems);
  if (problems.length === 0) return null;
  return (
    <div className="problems" role="alert">
      <strong>
        Nothing was built: {problems.length === 1 ? 'one problem needs' : `${problems.length} problems need`} fixing first.
      </strong>
      <ul aria-label="Problems">
        {problems.slice(0, SHOWN).map((p) => (
          <li key={`${p.field} ${p.reference ?? ''} ${p.message}`}>{p.message}</li>
        ))}
        {problems.length > SHOWN ? <li>… and {problems.length - SHOWN} more (marked in the list).</li> : null}
      </ul>
    </div>
  );
}
