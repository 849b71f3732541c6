import type { SerializedError } from '../../../shared/errors.js';
import { parseImageList } from '../../../shared/image-list.js';
import { toSerializedError } from '../../api/api-call-error.js';
import { debounce, type PrepareContext } from './context.js';
import { createLookupQueue, type LookupQueue } from './lookup-queue.js';
import type { Resolution } from './prepare-state.js';
import { checkSources } from './sources-slice.js';

/** How long after the last keystroke the list is read and looked up. */
export const LIST_DEBOUNCE_MS = 400;

/** Row errors a login or a CA file can fix. */
export const LOGIN_CODES: readonly string[] = ['unauthorized', 'denied', 'credentials', 'tls'];

/** The registry host of an image reference (`docker.io` when it names none). */
export function registryOf(reference: string): string {
  const slash = reference.indexOf('/');
  const first = slash < 0 ? '' : reference.slice(0, slash);
  return first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** "3 images", "1 image". */
const images = (n: number): string => `${n} ${n === 1 ? 'image' : 'images'}`;

/** The image list, its live lookups, list files and the registry login. */
export interface ListSlice {
  listText: string;
  /** Distinct references of the list, in order (read from `listText` after a pause in typing, on blur, or at once for a paste or a file). */
  references: string[];
  resolutions: Record<string, Resolution>;
  listPath: string;
  loadingList: boolean;
  listError?: SerializedError;
  listNote?: string;
  /** Hosts that may use plain HTTP or unverified TLS, as typed (space or comma separated). */
  insecureText: string;
  /** The registry host the login dialog is open for. */
  loginHost?: string;
  loggingIn: boolean;
  loginError?: SerializedError;
  /** Sets the list's text; its rows follow {@link LIST_DEBOUNCE_MS} after the last change, or at once with `now` (a paste of whole lines). */
  setListText(text: string, options?: { now?: boolean }): void;
  /** Reads the list's text into rows now (the field lost focus). */
  commitList(): void;
  setListPath(path: string): void;
  loadList(): Promise<void>;
  /** Appends the references of a dropped list file's text (same parsing as paste), leaving out those already there. */
  appendListText(text: string, from: string): void;
  setInsecureText(text: string): void;
  /** Looks up again every row in error or still resolving (their lookups are cancelled first). */
  retryResolve(): void;
  openLogin(host: string): void;
  closeLogin(): void;
  /** Sends a login to the host (which keeps the password and never returns it), then looks up that registry's failed rows again; true when saved. */
  logIn(login: { host: string; username: string; password: string; caFile: string }): Promise<boolean>;
}

/** Makes the list slice (and the queue of lookups behind it). */
export function createListSlice(ctx: PrepareContext): { slice: ListSlice; queue: LookupQueue } {
  const { api, get, set } = ctx;
  const queue = createLookupQueue(ctx);

  /** Reads the text into rows: new rows pending, removed rows' lookups cancelled. */
  const commit = (): void => {
    const references = [...new Set(parseImageList(get().listText))];
    const old = get().resolutions;
    if (references.length === get().references.length && references.every((r, i) => r === get().references[i])) return;
    const kept = new Set(references);
    queue.cancel(Object.keys(old).filter((r) => !kept.has(r)));
    const resolutions: Record<string, Resolution> = {};
    for (const r of references) resolutions[r] = old[r] ?? { status: 'pending' };
    set({ references, resolutions });
    queue.pump();
    ctx.rowsChanged();
  };
  const commitLater = debounce(ctx.clock, LIST_DEBOUNCE_MS, commit);

  /** Appends references to the list (those already in it left out) and reads it at once; how many were new. */
  const append = (added: string[]): { added: number; already: number } => {
    const have = new Set(parseImageList(get().listText));
    const fresh = [...new Set(added)].filter((r) => !have.has(r));
    if (fresh.length > 0) {
      const current = get().listText.trim();
      set({ listText: (current === '' ? '' : `${current}\n`) + fresh.join('\n') + '\n' });
    }
    commitLater.now();
    return { added: fresh.length, already: new Set(added).size - fresh.length };
  };
  const addedNote = (n: { added: number; already: number }, extra: string, from: string): string =>
    `Added ${images(n.added)}${extra} from ${from}${n.already > 0 ? ` (${n.already} already in the list)` : ''}.`;

  const slice: ListSlice = {
    listText: '',
    references: [],
    resolutions: {},
    listPath: '',
    loadingList: false,
    insecureText: '',
    loggingIn: false,
    setListText(text, options = {}) {
      set({ listText: text, listNote: undefined });
      if (options.now) commitLater.now();
      else commitLater();
    },
    commitList: () => {
      if (commitLater.pending()) commitLater.now();
    },
    setListPath: (listPath) => set({ listPath }),
    async loadList() {
      const path = get().listPath.trim();
      if (path === '') {
        set({ listError: { code: 'bad-usage', message: 'Type the path of a list file (one image reference per line, like airgap-images.txt).' } });
        return;
      }
      set({ loadingList: true, listError: undefined, listNote: undefined });
      try {
        const list = await api.call('list.read', { path });
        const counted = append(list.images);
        const overrides = { ...get().overrides };
        for (const { image, platforms } of list.imagePlatforms) overrides[image] = platforms;
        // the list's charts and files join the ones already there, each checked by the host (a refused one stays, marked)
        const [charts, files] = await Promise.all([checkSources(api, 'chart', list.charts, get().charts), checkSources(api, 'file', list.files, get().files)]);
        const extra = [charts.length > 0 ? `${charts.length} ${charts.length === 1 ? 'chart' : 'charts'}` : '', files.length > 0 ? `${files.length} ${files.length === 1 ? 'file' : 'files'}` : ''].filter((t) => t !== '');
        get().addSources(charts, files);
        set({ overrides, loadingList: false, listNote: addedNote(counted, extra.length > 0 ? `, ${extra.join(' and ')}` : '', list.path) });
        ctx.platformsChanged();
      } catch (error) {
        set({ listError: toSerializedError(error), loadingList: false });
      }
    },
    appendListText(text, from) {
      const counted = append(parseImageList(text));
      set({ listError: undefined, listNote: addedNote(counted, '', from) });
    },
    setInsecureText: (insecureText) => set({ insecureText }),
    retryResolve() {
      commitLater.now();
      const again = Object.entries(get().resolutions)
        .filter(([, v]) => v.status === 'error' || v.status === 'resolving')
        .map(([r]) => r);
      queue.cancel(again);
      const resolutions = { ...get().resolutions };
      for (const r of again) resolutions[r] = { status: 'pending' };
      set({ resolutions });
      queue.pump();
    },
    openLogin: (loginHost) => set({ loginHost, loginError: undefined }),
    closeLogin: () => set({ loginHost: undefined, loginError: undefined, loggingIn: false }),
    async logIn({ host, username, password, caFile }) {
      if (host.trim() === '') {
        set({ loginError: { code: 'bad-usage', message: 'Type the registry host (host or host:port).' } });
        return false;
      }
      set({ loggingIn: true, loginError: undefined });
      try {
        // keep what Settings already holds for this host (its CA file, insecure) unless the dialog changes it
        const previous = (await api.call('settings.get', {})).registries.find((r) => r.host === host.trim());
        const ca = caFile.trim() !== '' ? caFile.trim() : (previous?.caFile ?? '');
        await api.call('settings.setRegistry', {
          host: host.trim(),
          ...(username.trim() !== '' ? { username: username.trim() } : {}),
          ...(password !== '' ? { password } : {}),
          ...(ca !== '' ? { caFile: ca } : {}),
          ...(previous?.insecure ? { insecure: true } : {}),
        });
      } catch (error) {
        set({ loggingIn: false, loginError: toSerializedError(error) });
        return false;
      }
      const resolutions = { ...get().resolutions };
      for (const [r, v] of Object.entries(resolutions)) if (v.status === 'error' && registryOf(r) === host.trim()) resolutions[r] = { status: 'pending' };
      set({ resolutions, loggingIn: false, loginHost: undefined, listNote: `Logged in to ${host.trim()} for this session; its images resolve again.` });
      queue.pump();
      return true;
    },
  };
  return { slice, queue };
}
