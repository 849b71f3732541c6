import { FILE_NAME_PATTERN } from '../../../shared/bundle-manifest.js';
import { FerryError } from '../errors/ferry-error.js';
import type { ImageReference } from '../reference/image-reference.js';
import { parseReference } from '../reference/parse-reference.js';

/** A chart as the user named it: in an HTTP chart repository, or in an OCI registry. */
export type ChartSource =
  | { kind: 'http'; source: string; repoUrl: string; name: string; version: string }
  | { kind: 'oci'; source: string; ref: ImageReference; name: string; version: string };

/** Parses `REPO_URL/NAME@VERSION` (an HTTP chart repository) or `oci://HOST/PATH/NAME:VERSION`. */
export function parseChartSource(source: string): ChartSource {
  const parsed = parseChartSourceLoosely(source);
  if (!FILE_NAME_PATTERN.test(parsed.name) || !/^[A-Za-z0-9._+-]{1,80}$/.test(parsed.version)) {
    throw new FerryError('bad-reference', `Chart ${source}: "${parsed.name}" ${parsed.version} is not a chart name and version ferry can carry (letters, digits and . _ + - only).`, { subject: source });
  }
  return parsed;
}

function parseChartSourceLoosely(source: string): ChartSource {
  if (source.startsWith('oci://')) {
    const rest = source.slice('oci://'.length);
    const ref = parseReference(rest);
    const name = ref.repository.split('/').at(-1)!;
    // the version must be written: no implied `latest`
    if (!ref.tag || !rest.split('/').at(-1)!.includes(':')) throw new FerryError('bad-reference', `Chart ${source} names no version: write oci://HOST/PATH/${name}:VERSION.`, { subject: source });
    return { kind: 'oci', source, ref, name, version: ref.tag };
  }
  const m = /^(https?:\/\/.+)\/([^/@]+)@([^/@]+)$/i.exec(source);
  if (!m) throw new FerryError('bad-reference', `Chart ${source} is neither REPO_URL/NAME@VERSION (an http(s) chart repository) nor oci://HOST/PATH/NAME:VERSION.`, { subject: source });
  return { kind: 'http', source, repoUrl: m[1]!, name: m[2]!, version: m[3]! };
}

/** Parses a chart given as `{ repo, name, version }` (the YAML list file form). */
export function chartSourceOf(repo: string, name: string, version: string): string {
  return `${repo.replace(/\/+$/, '')}/${name}@${version}`;
}
