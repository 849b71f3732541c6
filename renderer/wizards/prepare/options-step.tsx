import { usePrepare } from '../../store/stores-context.js';
import type { SplitMode } from '../../store/prepare-store.js';
import { FieldProblem } from './problem-list.js';

const SPLITS: { value: SplitMode; label: string }[] = [
  { value: 'none', label: 'No split (one bundle.tar)' },
  { value: 'fat32', label: 'FAT32 (parts under 4 GiB)' },
  { value: 'custom', label: 'Custom size' },
  { value: 'fit', label: 'Fit the chosen media' },
];

/** Step 3: output folder, split, parity, signing key and referrers. */
export function OptionsStep() {
  const outputDir = usePrepare((s) => s.outputDir);
  const setOutputDir = usePrepare((s) => s.setOutputDir);
  const splitMode = usePrepare((s) => s.splitMode);
  const setSplitMode = usePrepare((s) => s.setSplitMode);
  const customSize = usePrepare((s) => s.customSize);
  const setCustomSize = usePrepare((s) => s.setCustomSize);
  const fitSize = usePrepare((s) => s.fitSize);
  const setFitSize = usePrepare((s) => s.setFitSize);
  const parity = usePrepare((s) => s.parity);
  const setParity = usePrepare((s) => s.setParity);
  const signKey = usePrepare((s) => s.signKey);
  const setSignKey = usePrepare((s) => s.setSignKey);
  const referrers = usePrepare((s) => s.referrers);
  const setReferrers = usePrepare((s) => s.setReferrers);
  const force = usePrepare((s) => s.force);
  const setForce = usePrepare((s) => s.setForce);
  return (
    <section aria-labelledby="step-options" className="step options">
      <h2 id="step-options">3. Options</h2>
      <div className="field">
        <label htmlFor="output-dir">Output folder</label>
        <input id="output-dir" type="text" value={outputDir} onChange={(e) => setOutputDir(e.target.value)} placeholder="/media/usb/bundle" spellCheck={false} autoComplete="off" />
        <FieldProblem field="outputDir" />
      </div>
      <fieldset>
        <legend>Split</legend>
        {SPLITS.map((s) => (
          <label key={s.value}>
            <input type="radio" name="split" value={s.value} checked={splitMode === s.value} onChange={() => setSplitMode(s.value)} /> {s.label}
          </label>
        ))}
        <label className="inline">
          Part size{' '}
          <input type="text" className="short" value={customSize} onChange={(e) => setCustomSize(e.target.value)} onFocus={() => setSplitMode('custom')} placeholder="700MB" aria-label="Part size" spellCheck={false} />
        </label>
        <label className="inline">
          Media size{' '}
          <input type="text" className="short" value={fitSize} onChange={(e) => setFitSize(e.target.value)} onFocus={() => setSplitMode('fit')} placeholder="drives" aria-label="Media size" aria-describedby="fit-hint" spellCheck={false} />
        </label>
        <span id="fit-hint" className="hint">
          Sizes like 700MB, 4GiB or a number of bytes. Fit the chosen media: FAT drives get parts under 4 GiB, other drives parts as big as the smallest one's free space less a little room for bundle.json (the drives picked in Write to media, or the media size typed here).
        </span>
        <FieldProblem field="split" />
      </fieldset>
      <div className="field">
        <label htmlFor="parity">Parity parts</label>
        <input id="parity" type="text" inputMode="numeric" className="short" value={parity} onChange={(e) => setParity(e.target.value)} placeholder="none" aria-describedby="parity-hint" />
        <span id="parity-hint" className="hint">
          Any this many lost or damaged parts can be rebuilt from them. Needs a split.
        </span>
        <FieldProblem field="parity" />
      </div>
      <div className="field">
        <label htmlFor="sign-key">Signing key</label>
        <input id="sign-key" type="text" value={signKey} onChange={(e) => setSignKey(e.target.value)} placeholder="optional: ~/keys/preparer.key" spellCheck={false} autoComplete="off" />
      </div>
      <div className="field">
        <label className="plain">
          <input id="referrers" type="checkbox" checked={referrers} onChange={(e) => setReferrers(e.target.checked)} aria-describedby="referrers-hint" /> Carry signatures, SBOMs and attestations (referrers)
        </label>
        <span id="referrers-hint" className="hint">
          Off: only the images. On: each image's cosign signatures, attestations and SBOMs and its OCI referrers travel too, so the other side can check them (Review, cosign verify).
        </span>
      </div>
      <label>
        <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Replace a bundle already in the output folder
      </label>
    </section>
  );
}
