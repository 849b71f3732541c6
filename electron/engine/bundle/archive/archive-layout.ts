import { TAR_BLOCK, TAR_END_SPAN, tarEntrySpan } from './tar-header.js';

/** One entry to place in the archive. */
export interface LayoutInput<T> {
  name: string;
  size: number;
  type: 'file' | 'directory';
  payload: T;
}

/** One entry placed at its byte offset. */
export interface PlacedEntry<T> extends LayoutInput<T> {
  /** Offset of the entry's header. */
  headerOffset: number;
  /** Offset of the entry's first data byte. */
  dataOffset: number;
  /** Offset just past the entry's padding: where the next header goes. */
  end: number;
}

/** The archive with every entry placed: total size known before the first byte is written. */
export interface ArchiveLayout<T> {
  entries: PlacedEntry<T>[];
  totalSize: number;
}

/**
 * Places entries one after another in the given order and computes the archive's final size.
 * Every size is known from the manifests, so every entry's offset is known up front and blobs
 * can be written in parallel straight into their places.
 */
export function layoutArchive<T>(inputs: LayoutInput<T>[]): ArchiveLayout<T> {
  let offset = 0;
  const entries = inputs.map((input) => {
    const span = input.type === 'directory' ? TAR_BLOCK : tarEntrySpan(input.size);
    const placed = { ...input, headerOffset: offset, dataOffset: offset + TAR_BLOCK, end: offset + span };
    offset += span;
    return placed;
  });
  return { entries, totalSize: offset + TAR_END_SPAN };
}
