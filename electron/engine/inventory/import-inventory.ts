import type { BundleArchive } from '../bundle/bundle-archive.js';
import { readArchivedChart } from '../charts/chart-artifact.js';
import type { PushedChart } from '../charts/push-charts.js';
import type { ImagePushPlan } from '../import/plan-import.js';
import { InventoryBuilder } from './inventory-builder.js';

/** What `ferry import --to` put where: the target registry, each image's plan, the charts pushed. */
export interface PushedContent {
  /** The target registry, `HOST[:PORT]`. */
  registry: string;
  /** One plan per image, as pushed (target repository, tag, manifests, referrers, blobs). */
  plans: readonly ImagePushPlan[];
  /** The charts pushed (`HOST/PATH:VERSION`), when any. */
  charts?: readonly PushedChart[];
  /** The bundle's archive, to read the charts' blobs. */
  archive: BundleArchive;
}

/**
 * Records what an import into a registry put there, repositories named as the target names them (`registry` the target
 * host, `name` the target repository): each image's tag, its manifests (children and index), its referrers (and their
 * cosign tags), every config and layer blob; each chart's version tag, manifest and blobs.
 */
export async function inventoryOfImport(content: PushedContent): Promise<InventoryBuilder> {
  const { registry, archive } = content;
  const builder = new InventoryBuilder();
  builder.addSource({ kind: 'registry', registry });
  for (const plan of content.plans) {
    const key = builder.addRepository({ registry, name: plan.mapping.repository });
    for (const m of plan.manifests) builder.addManifest(key, m.digest);
    if (plan.mapping.tag !== undefined) builder.addTag(key, plan.mapping.tag, plan.mapping.digest);
    for (const referrer of plan.referrers) {
      builder.addManifest(key, referrer.digest);
      if (referrer.record.tag !== undefined) builder.addTag(key, referrer.record.tag, referrer.digest);
    }
    for (const blob of plan.blobs) builder.addBlob(blob.digest, blob.size, key);
  }
  for (const pushed of content.charts ?? []) {
    const record = (archive.manifest.charts ?? []).find((c) => c.name === pushed.name && c.version === pushed.version);
    const prefix = `${registry}/`;
    const suffix = `:${pushed.version}`;
    if (!record || !pushed.target.startsWith(prefix) || !pushed.target.endsWith(suffix)) continue;
    const key = builder.addRepository({ registry, name: pushed.target.slice(prefix.length, -suffix.length) });
    const chart = await readArchivedChart(archive, record);
    builder.addManifest(key, chart.manifest.digest);
    builder.addTag(key, pushed.version, chart.manifest.digest);
    for (const blob of chart.blobs) builder.addBlob(blob.digest, blob.size, key);
  }
  return builder;
}
