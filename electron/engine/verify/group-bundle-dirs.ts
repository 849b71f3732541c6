import { inspectBundle } from '../bundle/inspect-bundle.js';
import { openBundleVolumes } from './bundle-volumes.js';

/**
 * Sorts folders into bundles: the volumes of one multi-volume set (the same bundle id in their `bundle.json`) go
 * together, in the order first given; each other bundle is a group of its own. A folder whose `bundle.json` cannot be
 * read is a group of its own too, so verifying it reports why. Only the id is read here: each group is then proven
 * whole by `openVerifiedBundle` before anything acts on it.
 */
export async function groupBundleDirs(dirs: string[]): Promise<string[][]> {
  const volumes = await openBundleVolumes(dirs);
  if (volumes.length === 1) return [[volumes[0]!.dir]];
  const groups = new Map<string, string[]>();
  for (const volume of volumes) {
    const id = await inspectBundle(volume.dir).then(
      (inspection) => `id ${inspection.manifest.id}`,
      () => `dir ${volume.dir}`,
    );
    const group = groups.get(id);
    if (group) group.push(volume.dir);
    else groups.set(id, [volume.dir]);
  }
  return [...groups.values()];
}
