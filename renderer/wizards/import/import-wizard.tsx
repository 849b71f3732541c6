import { useImport } from '../../store/stores-context.js';
import { BundleContents } from './bundle-contents.js';
import { RunStep } from './run-step.js';
import { SourceStep } from './source-step.js';
import { TargetStep } from './target-step.js';
import { VerifyStep } from './verify-step.js';
import './import.css';

/** The Import wizard (offline operator): source, verify, target, run — a damaged or untrusted bundle goes no further. */
export function ImportWizard() {
  const inspection = useImport((s) => s.inspection);
  const dirs = useImport((s) => s.dirs);
  return (
    <div className="wizard import">
      <SourceStep />
      {inspection ? (
        <>
          <BundleContents inspection={inspection} dirs={dirs} />
          <VerifyStep />
          <TargetStep />
          <RunStep />
        </>
      ) : (
        <p className="empty">Open a bundle folder (or the removable media holding it) to verify it and import its images — what <code>ferry import</code> does on the command line.</p>
      )}
    </div>
  );
}
