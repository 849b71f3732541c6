import { join } from 'node:path';
import type { IntegrityReport, PartHolder } from '../../../shared/verify-report.js';
import { SUMS_FILE } from '../bundle/output-folder.js';
import { readSha256Sums } from '../bundle/sha256sums.js';
import { README_FILE } from '../media/media-files.js';
import { readRegularFile } from '../util/read-regular-file.js';
import type { BundleVolume } from './bundle-volumes.js';

/** A volume's own files are small; anything larger is not Ferry's and is not read. */
const MAX_NOTE_BYTES = 256 * 1024;
/** No set has more volumes than this (`ferry write` takes at most 64 targets). */
const MAX_VOLUMES = 1000;

/** What one opened folder's own files say: which volume it is, what it holds, and where the set's other parts are. */
interface VolumeNotes {
  dir: string;
  volume?: number;
  volumes?: number;
  /** Parts its SHA256SUMS or README.txt ("On this volume") lists here. */
  here: Set<string>;
  /** Part name → the volume of the set holding it (README.txt, "The whole set"). */
  set: Map<string, number>;
}

/**
 * Reads what `ferry write` left on a volume: `SHA256SUMS` (this volume's parts) and `README.txt` ("Volume 2 of 3", its
 * parts, and every volume's parts). Both are hostile input: regular files only, bounded, and only used to place part
 * names the verified bundle.json records; whatever cannot be read says nothing.
 */
async function readVolumeNotes(dir: string): Promise<VolumeNotes> {
  const notes: VolumeNotes = { dir, here: new Set(), set: new Map() };
  const text = async (name: string): Promise<string | undefined> => {
    const path = join(dir, name);
    return readRegularFile(path, { maxBytes: MAX_NOTE_BYTES, what: path }).then(
      (b) => b.toString('utf8'),
      () => undefined,
    );
  };
  const sums = await text(SUMS_FILE);
  if (sums !== undefined) for (const line of readSha256Sums(sums).lines) notes.here.add(line.name);
  const readme = await text(README_FILE);
  if (readme === undefined) return notes;
  let section: 'here' | 'set' | undefined;
  for (const raw of readme.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const of = /^Volume (\d{1,4}) of (\d{1,4})$/.exec(line);
    if (of) {
      const [volume, volumes] = [Number(of[1]), Number(of[2])];
      if (volume >= 1 && volume <= volumes && volumes <= MAX_VOLUMES) Object.assign(notes, { volume, volumes });
      continue;
    }
    if (line === 'On this volume:') section = 'here';
    else if (line === 'The whole set:') section = 'set';
    else if (line.trim() === '') section = undefined;
    else if (section === 'here') {
      const m = /^ {2}(\S+) {2}\d+ bytes/.exec(line);
      if (m) notes.here.add(m[1]!);
    } else if (section === 'set') {
      const m = /^ {2}volume (\d{1,4}): (.*)$/.exec(line);
      const volume = m ? Number(m[1]) : 0;
      if (m && volume >= 1 && volume <= MAX_VOLUMES) for (const name of m[2]!.split(', ')) notes.set.set(name.trim(), volume);
    }
  }
  return notes;
}

/** Where one missing part is, by the notes of the opened folders; undefined when none of them says. */
function holderOf(part: string, notes: VolumeNotes[]): PartHolder | undefined {
  const size = (n: VolumeNotes): Pick<PartHolder, 'volume' | 'volumes'> => ({ ...(n.volume !== undefined ? { volume: n.volume } : {}), ...(n.volumes !== undefined ? { volumes: n.volumes } : {}) });
  const here = notes.find((n) => n.here.has(part));
  if (here) return { dir: here.dir, ...size(here) };
  for (const n of notes) {
    const volume = n.set.get(part);
    if (volume === undefined) continue;
    const opened = notes.find((o) => o.volume === volume && (o.volumes === undefined || o.volumes === n.volumes));
    return { volume, ...(n.volumes !== undefined ? { volumes: n.volumes } : {}), ...(opened ? { dir: opened.dir } : {}) };
  }
  return undefined;
}

/**
 * Adds to every missing part of a verification where the volumes say it is: an opened folder whose own SHA256SUMS or
 * README.txt lists it (lost from there), or a volume of the set that was not opened ("volume 2 of 2"). A part no
 * opened volume mentions gets no holder: it is on none of the opened volumes.
 */
export async function addPartHolders(integrity: IntegrityReport): Promise<IntegrityReport> {
  if (!integrity.faults.some((f) => f.kind === 'missing-file' && f.part !== undefined)) return integrity;
  const notes = await Promise.all(integrity.dirs.map(readVolumeNotes));
  const faults = integrity.faults.map((f) => {
    if (f.kind !== 'missing-file' || f.part === undefined) return f;
    const holder = holderOf(f.part, notes);
    return holder ? { ...f, holder } : f;
  });
  return { ...integrity, faults };
}

/**
 * Which volume of a multi-volume set holds a part, as the volumes given say (`volume 2 of 3`), or undefined when none
 * of them says: the words a missing-part error uses.
 */
export async function volumeHoldingPart(volumes: readonly BundleVolume[], part: string): Promise<string | undefined> {
  const holder = holderOf(part, await Promise.all(volumes.map((v) => readVolumeNotes(v.dir))));
  return holder?.volume === undefined ? undefined : `volume ${holder.volume}${holder.volumes !== undefined ? ` of ${holder.volumes}` : ''}`;
}
