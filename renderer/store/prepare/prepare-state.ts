import type { DeltaPlanBase, ImageResolveResult } from '../../../shared/api-contract.js';
import type { SerializedError } from '../../../shared/errors.js';
import type { BuildSlice } from './build-slice.js';
import type { DeltaSlice } from './delta-slice.js';
import type { ListSlice } from './list-slice.js';
import type { MediaSlice } from './media-slice.js';
import type { PlatformsSlice } from './platforms-slice.js';
import type { SourcesSlice } from './sources-slice.js';

/** The Prepare wizard's state: every slice's fields and actions (every change goes through an action). */
export type PrepareState = ListSlice & PlatformsSlice & SourcesSlice & DeltaSlice & BuildSlice & MediaSlice;

/** One image row's live resolution. */
export type Resolution = { status: 'pending' } | { status: 'resolving' } | { status: 'ok'; result: ImageResolveResult } | { status: 'error'; error: SerializedError };

/** A Helm chart or plain file the bundle carries: its source as `ferry bundle --chart/--file` takes it, and what the host's check found. */
export interface CarriedSource {
  source: string;
  /** The chart's name, or the file's name in the bundle (`files/<name>`). */
  name?: string;
  version?: string;
  /** A local file's size. */
  size?: number;
  /** Why the host's check refused it (a source loaded from a list file is kept, and shown with this). */
  error?: SerializedError;
}

/**
 * An inventory file or old bundle folder telling what the offline side holds ("Only carry what the offline side
 * lacks"), as the host read it when it was added.
 */
export type HeldSource = { path: string } & Partial<Omit<DeltaPlanBase, 'path'>>;

/** How the archive is split. */
export type SplitMode = 'none' | 'fat32' | 'custom' | 'fit';

/** Where a problem found before a build belongs: a row of the list, or a field of the wizard. */
export type ProblemField = 'images' | 'row' | 'sources' | 'outputDir' | 'split' | 'parity';

/** One thing that stops the build, attached to its row (`reference`) or its field. */
export interface PrepareProblem {
  field: ProblemField;
  /** The image row at fault (field `row`). */
  reference?: string;
  message: string;
}
