import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SourceCheckResult } from '../../../shared/api-contract.js';
import { parseChartSource } from '../charts/parse-chart-source.js';
import { FerryError } from '../errors/ferry-error.js';
import { fileNameOf, isFileUrl } from '../files/plan-files.js';
import type { SessionSettings } from './session-settings.js';

/** Checks a chart or file source as `ferry bundle --chart/--file` would (nothing fetched): its name, version and, for a local file, its size. */
export async function checkSource(kind: 'chart' | 'file', source: string): Promise<SourceCheckResult> {
  const trimmed = source.trim();
  if (kind === 'chart') {
    const chart = parseChartSource(trimmed);
    return { kind, source: trimmed, name: chart.name, version: chart.version };
  }
  const name = fileNameOf(trimmed);
  if (isFileUrl(trimmed)) {
    try {
      new URL(trimmed);
    } catch {
      throw new FerryError('bad-usage', `File ${trimmed} is not a valid http(s) URL.`, { subject: trimmed });
    }
    return { kind, source: trimmed, name };
  }
  const info = await stat(resolve(trimmed)).catch((error: NodeJS.ErrnoException) => {
    throw new FerryError('not-found', `Cannot read file ${trimmed} on the machine running Ferry: ${error.code ?? 'unreadable'}. Type its full path, or an http(s) URL.`, { subject: trimmed });
  });
  if (!info.isFile()) throw new FerryError('bad-usage', `${trimmed} is not a regular file: name one file (a folder is not carried).`, { subject: trimmed });
  return { kind, source: trimmed, name, size: info.size };
}

/**
 * The Basic login for HTTP chart repositories, from the Settings' logins (or docker's credential files) for their host:
 * only when every HTTP chart comes from one host, so a login is never sent to another host.
 */
export async function chartLogin(charts: string[], settings: SessionSettings): Promise<{ chartAuth?: { username: string; password: string } }> {
  const hosts = new Set(charts.filter((c) => /^https?:\/\//i.test(c)).map((c) => new URL(c).host));
  if (hosts.size !== 1) return {};
  const credentials = settings.registryOptions().credentials;
  const login = credentials ? await credentials([...hosts][0]!) : undefined;
  return login?.username !== undefined && login.password !== undefined ? { chartAuth: { username: login.username, password: login.password } } : {};
}
