import type { ErrorHint } from '../../shared/errors.js';

/** Where an error is shown: each wizard, or the Settings dialog (the same hint names different fields in each). */
export type HintSurface = 'prepare' | 'review' | 'import' | 'settings';

/** The surfaces, in the order the app shows them. */
export const HINT_SURFACES: readonly HintSurface[] = ['prepare', 'review', 'import', 'settings'];

/** What the app says about an engine hint: a sentence naming its own fields and buttons, and the field to focus. */
export interface AppHint {
  text: string;
  /** The id of the element "Show me" focuses (only offered when it is on the page, or in Settings). */
  target?: string;
}

/** The ids of the Settings dialog's fields: "Show me" opens Settings before focusing them. */
export const SETTINGS_TARGETS: ReadonlySet<string> = new Set(['reg-host', 'reg-user', 'reg-ca', 'reg-insecure']);

const SETTINGS_CA: AppHint = { text: "If the registry uses a private certificate authority, add the registry with its CA file in Settings → Registries.", target: 'reg-ca' };

/**
 * The app's words for every engine hint on every surface (one table; the command line has its own,
 * electron/cli/output/error-hints.ts). Never a command-line flag: the app names its fields and buttons.
 */
export const APP_HINTS: Record<ErrorHint, (surface: HintSurface) => AppHint> = {
  'private-ca': (surface) =>
    surface === 'import'
      ? { text: "Give the registry's CA file (PEM) in CA file under Target.", target: 'import-ca' }
      : surface === 'settings'
        ? { text: "Give the registry's CA file (PEM) in CA file, then Save registry.", target: 'reg-ca' }
        : { text: `Add the registry with its CA file in Settings → Registries${surface === 'prepare' ? ', then press Retry' : ''}.`, target: 'reg-ca' },
  'insecure-registry': (surface) =>
    surface === 'prepare'
      ? { text: 'To allow plain HTTP for that host, add it to Insecure registries, then press Retry.', target: 'insecure' }
      : surface === 'import'
        ? { text: 'If you trust the registry as it is, tick “Insecure” under Target.', target: 'import-insecure' }
        : { text: 'If you trust the registry as it is, tick Insecure for it in Settings → Registries.', target: 'reg-insecure' },
  'tls-trust': (surface) =>
    surface === 'prepare'
      ? {
          text: 'If the registry uses a private certificate authority, add the registry with its CA file in Settings → Registries; if you trust it as it is, add its host to Insecure registries. Then press Retry.',
          target: 'reg-ca',
        }
      : surface === 'import'
        ? { text: 'If the registry uses a private certificate authority, give its CA file in CA file under Target; if you trust it as it is, tick “Insecure”.', target: 'import-ca' }
        : surface === 'settings'
          ? { text: 'Give its CA file in CA file, or tick Insecure if you trust it as it is.', target: 'reg-ca' }
          : SETTINGS_CA,
  'log-in': (surface) =>
    surface === 'import'
      ? { text: 'Give a user name and password for the registry under Target (or leave them empty to use the logins of docker or podman on the Ferry host).', target: 'import-username' }
      : surface === 'prepare'
        ? { text: "Press Log in… on the image's row, or add the registry's login in Settings → Registries, then press Retry.", target: 'reg-user' }
        : { text: "Add the registry's user name and password in Settings → Registries.", target: 'reg-user' },
  'include-foreign-layers': (surface) =>
    surface === 'prepare'
      ? { text: 'Tick “Include Windows foreign layers” under Platforms to carry them, then build again.', target: 'include-foreign-layers' }
      : { text: 'To carry them, the preparer ticks “Include Windows foreign layers” in Prepare and builds the bundle again.' },
  referrers: (surface) =>
    surface === 'prepare'
      ? { text: 'Tick “Carry signatures, SBOMs and attestations” under Options, then build again.', target: 'referrers' }
      : { text: 'The preparer ticks “Carry signatures, SBOMs and attestations” in Prepare and builds again; the image must be signed with cosign at its source.' },
  'sign-as-preparer': (surface) =>
    surface === 'prepare'
      ? { text: 'Give your Signing key under Options and build again: an approver can then countersign.', target: 'sign-key' }
      : surface === 'review'
        ? { text: "The preparer gives their key in Preparer's private key, presses Sign as preparer, and then you approve.", target: 'preparer-key' }
        : { text: "An approval countersigns the preparer's signature: the preparer gives a Signing key in Prepare's Options and builds the bundle again, then approve it in Review." },
  'sign-inventory': (surface) =>
    surface === 'prepare'
      ? { text: 'Sign the inventory where it was made, on the offline side, or clear “Require a signature by” to use it unchecked.', target: 'have-key' }
      : { text: 'Sign the inventory where it was made, on the offline side, before it travels.' },
  repair: (surface) =>
    surface === 'import'
      ? { text: 'Verify the bundle to see which parts are damaged: when it has parity parts, Repair (under the verdict) rebuilds them; otherwise copy them again from the sender.' }
      : surface === 'review'
        ? { text: 'Check Integrity to see which parts are damaged, then copy them again from the sender (with parity parts, Import’s Verify offers Repair).' }
        : { text: 'Open the bundle in Import and verify it to see which parts are damaged: with parity parts, Repair rebuilds them; otherwise copy them again from the sender.' },
  'other-volume': (surface) =>
    surface === 'import'
      ? { text: 'Add that volume’s folder under Source (or choose it among the drives) and open the bundle again.' }
      : { text: 'Open the bundle with every volume of the set: plug in each stick and give all of them.' },
  'cosign-key': (surface) =>
    surface === 'import'
      ? { text: 'Add the cosign public keys with “Add cosign key” under Verify.' }
      : { text: 'Give the cosign public keys in Cosign public keys under Trust and policy.', target: 'cosign-keys' },
  'replace-existing': (surface) =>
    surface === 'prepare'
      ? { text: 'Choose another Output folder, or tick “Replace a bundle already in the output folder”.', target: 'output-dir' }
      : { text: 'Choose another folder.' },
  split: () => ({ text: 'Choose a part size under Options → Split for smaller parity parts.', target: 'parity' }),
  'base-bundles': (surface) =>
    surface === 'import'
      ? { text: 'Add them under Target (base bundles), or import into a registry that holds them.', target: 'import-base' }
      : { text: 'Import it in Import on top of its base: into a registry that holds them, or to a folder or containerd with the earlier bundles added.' },
  'replace-media': () => ({ text: 'Clear that drive (or choose another one), then plan again.' }),
  capacity: (surface) => ({ text: 'Type how much of each drive to use in “Use at most per drive”, then plan again.', ...(surface === 'prepare' ? { target: 'capacity' } : {}) }),
  resplit: (surface) =>
    surface === 'prepare'
      ? { text: 'Choose smaller parts under Options → Split (FAT drives need parts under 4 GiB) and build again, or use exFAT or NTFS drives.' }
      : { text: 'The preparer builds the bundle again with smaller parts (Prepare → Options → Split).' },
  'low-speed': (surface) => ({ text: `Check the network and the proxy${surface === 'prepare' ? ', then build again: what was fetched comes from the cache' : ''}.` }),
  'chart-login': () => ({ text: 'This chart repository needs a login, which Prepare cannot give yet: download the chart and add it as a file.' }),
  'images-folder': (surface) =>
    surface === 'import' ? { text: 'For k3s or k0s nodes, choose the images folder as the target instead.' } : { text: 'Install containerd on the Ferry host, or use an images folder (k3s, k0s).' },
  'fresh-inventory': (surface) =>
    surface === 'import'
      ? { text: 'An import saves what the registry holds (Save inventory for the next transfer): load that inventory in Prepare to make the delta again.' }
      : { text: 'Load a fresh inventory of the offline registry under “Only carry what the offline side lacks”, then build again.', ...(surface === 'prepare' ? { target: 'have-path' } : {}) },
};

/** The app's advice for a hint on a surface, or undefined when the error carries none. */
export function appHint(hint: ErrorHint | undefined, surface: HintSurface): AppHint | undefined {
  return hint === undefined ? undefined : APP_HINTS[hint](surface);
}
