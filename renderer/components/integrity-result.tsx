import type { IntegrityReport } from '../../shared/verify-report.js';

/** The integrity part of a verdict: each check (✓, ✗ or – when skipped), every fault naming its part or file, and the repair advice. */
export function IntegrityResult({ integrity }: { integrity: IntegrityReport }) {
  return (
    <>
      {integrity.checks && integrity.checks.length > 0 ? (
        <ul className="checks" aria-label="Checks">
          {integrity.checks.map((check) => (
            <li key={check.id} className={check.ok ? 'ok' : 'bad'}>
              <span className="mark" aria-hidden="true">
                {check.ok ? '✓' : check.skipped ? '–' : '✗'}
              </span>{' '}
              {check.summary}
            </li>
          ))}
        </ul>
      ) : null}
      {integrity.faults.length > 0 ? (
        <ul className="faults" aria-label="Faults">
          {integrity.faults.map((fault, i) => (
            <li key={i}>
              {fault.part ? <strong>{fault.part}: </strong> : fault.file ? <strong>{fault.file}: </strong> : null}
              {fault.message}
            </li>
          ))}
        </ul>
      ) : null}
      {integrity.repair ? <p className="repair">{integrity.repair.message}</p> : null}
    </>
  );
}
