import { usePrepare } from '../../store/stores-context.js';
import { PLATFORM_CHOICES } from '../../store/prepare-store.js';
import { ErrorMessage } from '../../components/error-message.js';

/** Checkboxes for a set of platforms. */
function PlatformChecks({ name, chosen, onToggle }: { name: string; chosen: string[]; onToggle: (platform: string) => void }) {
  return (
    <div className="platform-checks" role="group" aria-label={name}>
      {PLATFORM_CHOICES.map((p) => (
        <label key={p.value}>
          <input type="checkbox" checked={chosen.includes(p.value)} onChange={() => onToggle(p.value)} /> {p.label}
        </label>
      ))}
    </div>
  );
}

/** Step 2: the bundle's default platforms, one image's own platforms, and the foreign-layer choice. */
export function PlatformStep({ editing, onDoneEditing }: { editing: string | undefined; onDoneEditing: () => void }) {
  const defaults = usePrepare((s) => s.defaultPlatforms);
  const toggle = usePrepare((s) => s.toggleDefaultPlatform);
  const overrides = usePrepare((s) => s.overrides);
  const setOverride = usePrepare((s) => s.setOverride);
  const resolution = usePrepare((s) => (editing ? s.resolutions[editing] : undefined));
  const foreign = usePrepare((s) => s.includeForeignLayers);
  const setForeign = usePrepare((s) => s.setIncludeForeignLayers);
  const platformError = usePrepare((s) => s.platformError);
  const missingCount = usePrepare((s) => Object.keys(s.missing).length);
  const own = editing ? overrides[editing] : undefined;

  return (
    <section aria-labelledby="step-platforms" className="step">
      <h2 id="step-platforms">2. Platforms</h2>
      <p className="hint">None chosen: every image is carried exactly as published (every platform, digests unchanged).</p>
      <PlatformChecks name="Bundle platforms" chosen={defaults} onToggle={toggle} />
      {missingCount > 0 ? (
        <p className="warn-text" role="note">
          ⚠ {missingCount} {missingCount === 1 ? 'image lacks' : 'images lack'} a chosen platform (marked in the list): the build would stop there. Give those images their own platforms or untick the platform.
        </p>
      ) : null}
      {platformError ? <ErrorMessage error={platformError} /> : null}
      {editing ? (
        <div className="override" role="group" aria-label={`Own platforms of ${editing}`}>
          <h3>Platforms of {editing}</h3>
          {resolution?.status === 'ok' ? <p className="hint">It publishes: {resolution.result.platforms.join(', ') || 'no platform information'}.</p> : null}
          <label>
            <input type="checkbox" checked={own === undefined} onChange={() => setOverride(editing, own === undefined ? [...defaults] : undefined)} /> Use the bundle's platforms
          </label>
          {own !== undefined ? (
            <PlatformChecks
              name={`Platforms for this image`}
              chosen={own}
              onToggle={(p) => {
                const next = own.includes(p) ? own.filter((x) => x !== p) : [...own, p];
                setOverride(editing, next.length > 0 ? next : undefined);
              }}
            />
          ) : null}
          <button type="button" className="secondary" onClick={onDoneEditing}>
            Done
          </button>
        </div>
      ) : null}
      <label className="foreign">
        <input type="checkbox" checked={foreign} onChange={(e) => setForeign(e.target.checked)} /> Include Windows foreign layers
      </label>
      <p className="hint">
        Windows base layers are “foreign”: Microsoft serves them from its own URLs and they are left out by default, so Windows nodes behind the air gap would need to reach those URLs — include them to carry everything (much larger).
      </p>
    </section>
  );
}
