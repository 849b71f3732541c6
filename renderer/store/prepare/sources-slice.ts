import type { SourceCheckResult } from '../../../shared/api-contract.js';
import type { SerializedError } from '../../../shared/errors.js';
import type { ApiClient } from '../../api/api-client.js';
import { toSerializedError } from '../../api/api-call-error.js';
import type { PrepareContext } from './context.js';
import type { CarriedSource } from './prepare-state.js';

/** The most charts, and the most files, one bundle carries from the app (the contract's limit). */
export const MAX_SOURCES = 1000;

/** Helm charts and plain files the bundle carries, and the referrers choice. */
export interface SourcesSlice {
  /** Helm charts to carry, in the order added. */
  charts: CarriedSource[];
  /** Plain files to carry (`files/<name>`), in the order added. */
  files: CarriedSource[];
  /** The chart source being typed. */
  chartText: string;
  /** The file path or URL being typed. */
  fileText: string;
  chartError?: SerializedError;
  fileError?: SerializedError;
  /** A chart or file is being checked by the host. */
  checkingSource: boolean;
  /** Also carry signatures, SBOMs and attestations (cosign tags, OCI referrers). */
  referrers: boolean;
  setChartText(text: string): void;
  setFileText(text: string): void;
  /** Checks the typed chart source with the host and adds it; false (and `chartError`) when refused. */
  addChart(): Promise<boolean>;
  /** Checks the typed file path or URL with the host and adds it; false (and `fileError`) when refused. */
  addFile(): Promise<boolean>;
  /** Adds charts and files already checked (a list file's), those already there left out. */
  addSources(charts: CarriedSource[], files: CarriedSource[]): void;
  removeChart(source: string): void;
  removeFile(source: string): void;
  setReferrers(on: boolean): void;
}

/** A carried source from a check's answer (or its error). */
function carried(source: string, check: SourceCheckResult | SerializedError): CarriedSource {
  if ('code' in check) return { source, error: check };
  return { source: check.source, name: check.name, ...(check.version !== undefined ? { version: check.version } : {}), ...(check.size !== undefined ? { size: check.size } : {}) };
}

/** Checks sources not already among `have` (a list file's charts or files); refused ones come back with their error. */
export async function checkSources(api: ApiClient, kind: 'chart' | 'file', sources: string[], have: CarriedSource[]): Promise<CarriedSource[]> {
  const known = new Set(have.map((c) => c.source));
  const fresh = [...new Set(sources)].filter((src) => !known.has(src));
  return Promise.all(fresh.map((source) => api.call('source.check', { kind, source }).then((r) => carried(source, r), (error: unknown) => carried(source, toSerializedError(error)))));
}

/** Makes the charts-and-files slice. */
export function createSourcesSlice(ctx: PrepareContext): SourcesSlice {
  const { api, get, set } = ctx;
  /** Writes one kind's error, list or typed text (typed per kind, no computed keys). */
  const write = (kind: 'chart' | 'file', patch: { error?: SerializedError | undefined; list?: CarriedSource[]; text?: string }): void => {
    if (kind === 'chart') set({ ...('error' in patch ? { chartError: patch.error } : {}), ...(patch.list ? { charts: patch.list } : {}), ...(patch.text !== undefined ? { chartText: patch.text } : {}) });
    else set({ ...('error' in patch ? { fileError: patch.error } : {}), ...(patch.list ? { files: patch.list } : {}), ...(patch.text !== undefined ? { fileText: patch.text } : {}) });
  };

  /** Checks the typed chart or file with the host and adds it, or says inline why not. */
  const addSource = async (kind: 'chart' | 'file'): Promise<boolean> => {
    const source = (kind === 'chart' ? get().chartText : get().fileText).trim();
    const listOf = (): CarriedSource[] => (kind === 'chart' ? get().charts : get().files);
    const refuse = (message: string): false => {
      write(kind, { error: { code: 'bad-usage', message } });
      return false;
    };
    if (source === '') return refuse(kind === 'chart' ? 'Type a chart: https://charts.example/repo/NAME@VERSION or oci://HOST/PATH/NAME:VERSION.' : 'Type the path of a file on the machine running Ferry, or an http(s) URL.');
    if (listOf().some((c) => c.source === source)) return refuse(`${source} is already in the list.`);
    if (listOf().length >= MAX_SOURCES) return refuse(`At most ${MAX_SOURCES} ${kind}s per bundle: remove some first.`);
    set({ checkingSource: true });
    write(kind, { error: undefined });
    try {
      const checked = carried(source, await api.call('source.check', { kind, source }));
      set({ checkingSource: false });
      const other = kind === 'file' ? listOf().find((f) => f.name !== undefined && f.name === checked.name) : undefined;
      if (other) return refuse(`${source} and ${other.source} would both be carried as files/${checked.name ?? ''}: rename one.`);
      write(kind, { list: [...listOf(), checked], text: '' });
      return true;
    } catch (error) {
      set({ checkingSource: false });
      write(kind, { error: toSerializedError(error) });
      return false;
    }
  };

  const merge = (list: CarriedSource[], added: CarriedSource[]): CarriedSource[] => {
    const known = new Set(list.map((c) => c.source));
    return [...list, ...added.filter((c) => !known.has(c.source))].slice(0, MAX_SOURCES);
  };

  return {
    charts: [],
    files: [],
    chartText: '',
    fileText: '',
    checkingSource: false,
    referrers: false,
    setChartText: (chartText) => set({ chartText, chartError: undefined }),
    setFileText: (fileText) => set({ fileText, fileError: undefined }),
    addChart: () => addSource('chart'),
    addFile: () => addSource('file'),
    addSources: (charts, files) => set({ charts: merge(get().charts, charts), files: merge(get().files, files) }),
    removeChart: (source) => set({ charts: get().charts.filter((c) => c.source !== source) }),
    removeFile: (source) => set({ files: get().files.filter((f) => f.source !== source) }),
    setReferrers: (referrers) => set({ referrers }),
  };
}
