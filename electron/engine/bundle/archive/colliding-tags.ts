/** A tag that names several images in `index.json` (`org.opencontainers.image.ref.name` holds only the tag). */
export interface CollidingTag {
  tag: string;
  /** The full names (`io.containerd.image.name`) sharing it, in bundle order. */
  names: string[];
}

/**
 * The tags that name more than one image in `index.json`: it keeps containerd's convention (`ref.name` = the tag alone,
 * as `ctr images export` writes), so `nginx:1.27` and `mirror/nginx:1.27` both say `1.27` there — skopeo
 * `oci-archive:bundle.tar:1.27` silently reads the first and umoci refuses the layout.
 */
export function collidingTags(images: readonly { name: string; tag?: string | undefined }[]): CollidingTag[] {
  const byTag = new Map<string, string[]>();
  for (const { name, tag } of images) {
    if (tag === undefined) continue;
    const names = byTag.get(tag) ?? [];
    if (!names.includes(name)) names.push(name);
    byTag.set(tag, names);
  }
  return [...byTag].filter(([, names]) => names.length > 1).map(([tag, names]) => ({ tag, names }));
}

/** How to reach each image of a colliding tag with skopeo, in one sentence. */
export function collidingTagAdvice(collision: CollidingTag): string {
  return (
    `Tag ${collision.tag} names ${collision.names.length} images in bundle.tar's index.json (${collision.names.join(', ')}): ` +
    `skopeo oci-archive:bundle.tar:${collision.tag} reads only the first and umoci refuses the layout; ` +
    `reach each image as docker-archive:bundle.tar:NAME (e.g. docker-archive:bundle.tar:${collision.names[1] ?? collision.names[0]}), or load it with ctr images import or ferry import.`
  );
}
