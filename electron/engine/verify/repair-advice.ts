import type { BundleManifest } from '../../../shared/bundle-manifest.js';
import type { RepairAdvice } from '../../../shared/verify-report.js';
import { listNames } from './part-ranges.js';

/**
 * What parity can do about lost parts: Reed–Solomon over n data and m parity parts rebuilds
 * every lost part as long as no more than m of the n + m are lost. Undefined when nothing is lost
 * or the bundle has no parity.
 */
export function repairAdvice(manifest: BundleManifest, lost: string[], dirs: string[]): RepairAdvice | undefined {
  const parity = manifest.archive.parity;
  if (!parity || lost.length === 0) return undefined;
  const m = parity.parts.length;
  const total = manifest.archive.parts.length + m;
  const command = `ferry repair ${dirs.map(quote).join(' ')}`;
  if (lost.length <= m) {
    return {
      lost,
      rebuildable: lost.length,
      message: `${lost.length === 1 ? 'The lost or damaged part' : `All ${lost.length} lost or damaged parts`} (${listNames(lost)}) can be rebuilt from the ${m} parity part${m === 1 ? '' : 's'}: run \`${command}\`.`,
    };
  }
  return {
    lost,
    rebuildable: 0,
    message: `${lost.length} of the ${total} parts are lost or damaged (${listNames(lost)}); parity rebuilds at most ${m}, so this bundle cannot be repaired: copy it again from its source.`,
  };
}

function quote(dir: string): string {
  return /^[\w./:@-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, `'\\''`)}'`;
}
