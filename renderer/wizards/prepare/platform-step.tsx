import { usePrepare } from '../../store/stores-context.js';
import { PLATFORM_CHOICES, platformIssue } from '../../store/prepare-store.js';
import { ErrorMessage } from '../../components/error-message.js';

/** What the bundle's platform choice means, worded for its state. */
export function platformHint(chosen: number, required: boolean): string {
  if (chosen === 0) return 'None chosen: every image is carried exactly as published (every platform, digests unchanged).';
  if (required) return 'Every image must have every chosen platform: an image lacking one stops the build.';
  return 'Each image carries whichever of these it has; an image with none of them cannot be carried. An image’s Platforms… button chooses among the platforms it publishes.';
}

/** Step 2: the bundle's platforms, whether every image must have them all, and the foreign-layer choice. */
export function PlatformStep() {
  const defaults = usePrepare((s) => s.defaultPlatforms);
  const toggle = usePrepare((s) => s.toggleDefaultPlatform);
  const required = usePrepare((s) => s.allPlatformsRequired);
  const setRequired = usePrepare((s) => s.setAllPlatformsRequired);
  const foreign = usePrepare((s) => s.includeForeignLayers);
  const setForeign = usePrepare((s) => s.setIncludeForeignLayers);
  const platformError = usePrepare((s) => s.platformError);
  const none = usePrepare((s) => s.references.filter((r) => platformIssue(s, r)?.kind === 'none').length);
  const some = usePrepare((s) => s.references.filter((r) => platformIssue(s, r)?.kind === 'some').length);

  return (
    <section aria-labelledby="step-platforms" className="step">
      <h2 id="step-platforms">2. Platforms</h2>
      <p className="hint" id="platforms-hint">
        {platformHint(defaults.length, required)}
      </p>
      <div className="platform-checks" role="group" aria-label="Bundle platforms" aria-describedby="platforms-hint">
        {PLATFORM_CHOICES.map((p) => (
          <label key={p.value}>
            <input type="checkbox" checked={defaults.includes(p.value)} onChange={() => toggle(p.value)} /> {p.label}
          </label>
        ))}
      </div>
      {defaults.length > 0 ? (
        <label className="plain">
          <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /> Every image must have every chosen platform
        </label>
      ) : null}
      {none > 0 ? (
        <p className="error-text" role="note">
          ✗ {none} {none === 1 ? 'image has' : 'images have'} none of the chosen platforms (marked in the list): give {none === 1 ? 'it its' : 'them their'} own platforms, tick one they have, or remove {none === 1 ? 'it' : 'them'}.
        </p>
      ) : null}
      {some > 0 ? (
        <p className="warn-text" role="note">
          ⚠ {some} {some === 1 ? 'image lacks' : 'images lack'} some of the chosen platforms (marked in the list): {required ? 'the build stops there.' : 'each is carried with the ones it has.'}
        </p>
      ) : null}
      {platformError ? <ErrorMessage error={platformError} /> : null}
      <label className="foreign">
        <input id="include-foreign-layers" type="checkbox" checked={foreign} onChange={(e) => setForeign(e.target.checked)} /> Include Windows foreign layers
      </label>
      <p className="hint">
        Windows base layers are “foreign”: Microsoft serves them from its own URLs and they are left out by default, so Windows nodes behind the air gap would need to reach those URLs — include them to carry everything (much larger).
      </p>
    </section>
  );
}
