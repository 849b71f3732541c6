import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { sha256Digest } from './digest.js';
import type { BlobRef } from './image-builder.js';

/**
 * Where push.ts sends things: a RegistryHandle fits, as does any `{ url }` (+ credentials/dispatcher).
 * Works against anonymous, Basic (htpasswd) and Bearer (token) registries: on a 401 it follows the
 * WWW-Authenticate challenge with `username`/`password` and caches the header per target and scope set.
 */
export interface PushTarget {
  /** `scheme://host:port`. */
  url: string;
  username?: string;
  password?: string;
  /** Dispatcher to use (e.g. RegistryHandle.dispatcher, which trusts the registry's CA). */
  dispatcher?: Dispatcher;
}

/** Authorization headers per target and scope. */
const authCache = new WeakMap<PushTarget, Map<string, string>>();

/** Parses `Bearer realm="…",service="…"` into its scheme and parameters. */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of (space < 0 ? '' : header.slice(space + 1)).matchAll(re)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme, params };
}

/** Answers a 401 challenge: a Basic header, or a Bearer token fetched for `scopes` (plus any scope the challenge names). */
async function authorize(target: PushTarget, scopes: string[], challengeHeader: string | undefined): Promise<string> {
  const basic = target.username !== undefined ? `Basic ${Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64')}` : undefined;
  const challenge = parseChallenge(challengeHeader ?? '');
  if (challenge.scheme === 'basic') {
    if (!basic) throw new Error(`push: ${target.url} wants Basic credentials but none were given`);
    return basic;
  }
  if (challenge.scheme !== 'bearer' || !challenge.params.realm) {
    throw new Error(`push: ${target.url} answered 401 with an unusable challenge: ${challengeHeader}`);
  }
  const tokenUrl = new URL(challenge.params.realm);
  if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
  const wanted = new Set([...scopes, ...(challenge.params.scope ?? '').split(' ').filter(Boolean)]);
  for (const scope of wanted) tokenUrl.searchParams.append('scope', scope);
  const res = await request(tokenUrl, { dispatcher: target.dispatcher, headers: basic ? { authorization: basic } : {} });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`push: token request ${tokenUrl} failed: ${res.statusCode} ${text}`);
  const body = JSON.parse(text) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error(`push: token response without a token: ${text}`);
  return `Bearer ${token}`;
}

/** Options for one registry call. */
interface CallOptions {
  method: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Statuses that count as success. */
  expect: number[];
  /** Extra token scopes beyond `repository:REPO:pull,push` (e.g. pull on a mount source). */
  extraScopes?: string[];
}

/** Sends one request, authenticating (once) on a 401 when the body can be replayed. */
async function call(target: PushTarget, repo: string, url: string, options: CallOptions): Promise<Dispatcher.ResponseData> {
  let cache = authCache.get(target);
  if (!cache) authCache.set(target, (cache = new Map()));
  const replayable = options.body === undefined || Buffer.isBuffer(options.body);
  const scopes = [`repository:${repo}:pull,push`, ...(options.extraScopes ?? [])];
  const key = scopes.join(' ');
  for (let attempt = 0; ; attempt++) {
    const auth = cache.get(key);
    const res = await request(url, {
      method: options.method,
      dispatcher: target.dispatcher,
      headers: { ...options.headers, ...(auth ? { authorization: auth } : {}) },
      body: options.body,
    });
    if (res.statusCode === 401 && attempt === 0 && replayable) {
      await res.body.dump();
      const challenge = res.headers['www-authenticate'];
      cache.set(key, await authorize(target, scopes, Array.isArray(challenge) ? challenge[0] : challenge));
      continue;
    }
    if (!options.expect.includes(res.statusCode)) {
      const text = await res.body.text().catch(() => '');
      throw new Error(`push: ${options.method} ${url} answered ${res.statusCode}: ${text.slice(0, 2000)}`);
    }
    return res;
  }
}

/** Resolves a Location header against the registry URL. */
function location(target: PushTarget, res: Dispatcher.ResponseData): string {
  const loc = res.headers.location;
  const value = Array.isArray(loc) ? loc[0] : loc;
  if (!value) throw new Error('push: upload response without Location');
  return new URL(value, target.url).toString();
}

/** Appends `digest=` to an upload URL. */
function withDigest(url: string, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.toString();
}

/** True if the repository already has the blob (HEAD /v2/REPO/blobs/DIGEST). */
export async function blobExists(target: PushTarget, repo: string, digest: string): Promise<boolean> {
  const res = await call(target, repo, `${target.url}/v2/${repo}/blobs/${digest}`, { method: 'HEAD', expect: [200, 404] });
  await res.body.dump();
  return res.statusCode === 200;
}

/** Options for {@link pushBlob} / {@link pushBlobStream}. */
export interface PushBlobOptions {
  /** Try a cross-repository mount from this repository first. */
  mountFrom?: string;
  /** Skip the upload when HEAD says the blob is already there (default true). */
  skipExisting?: boolean;
}

/** Starts an upload (or mounts); returns the upload URL, or undefined when the blob is already there. */
async function startUpload(target: PushTarget, repo: string, digest: string, options: PushBlobOptions): Promise<string | undefined> {
  if ((options.skipExisting ?? true) && (await blobExists(target, repo, digest))) return undefined;
  const mount = options.mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(options.mountFrom)}` : '';
  const res = await call(target, repo, `${target.url}/v2/${repo}/blobs/uploads/${mount}`, {
    method: 'POST',
    expect: [201, 202],
    ...(options.mountFrom ? { extraScopes: [`repository:${options.mountFrom}:pull`] } : {}),
  });
  await res.body.dump();
  if (res.statusCode === 201) return undefined; // mounted
  return location(target, res);
}

/** Pushes a blob monolithically (POST, then PUT ?digest=); returns its digest and size. */
export async function pushBlob(target: PushTarget, repo: string, bytes: Buffer, options: PushBlobOptions = {}): Promise<BlobRef> {
  const digest = sha256Digest(bytes);
  const uploadUrl = await startUpload(target, repo, digest, options);
  if (uploadUrl) {
    const res = await call(target, repo, withDigest(uploadUrl, digest), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
      body: bytes,
      expect: [201],
    });
    await res.body.dump();
  }
  return { digest, size: bytes.length };
}

/** Pushes a blob whose digest and size are known up front from a stream (no buffering). */
export async function pushBlobStream(
  target: PushTarget,
  repo: string,
  blob: BlobRef,
  body: () => Readable | AsyncIterable<Buffer>,
  options: PushBlobOptions = {},
): Promise<BlobRef> {
  const uploadUrl = await startUpload(target, repo, blob.digest, options);
  if (uploadUrl) {
    const res = await call(target, repo, withDigest(uploadUrl, blob.digest), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
      body: Readable.from(body()),
      expect: [201],
    });
    await res.body.dump();
  }
  return blob;
}

/** PUTs a manifest (or index) under a tag or digest; returns the digest the registry reports. */
export async function pushManifest(
  target: PushTarget,
  repo: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
): Promise<string> {
  const res = await call(target, repo, `${target.url}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: bytes,
    expect: [201],
  });
  await res.body.dump();
  const header = res.headers['docker-content-digest'];
  const digest = (Array.isArray(header) ? header[0] : header) ?? sha256Digest(bytes);
  if (digest !== sha256Digest(bytes)) throw new Error(`push: registry stored ${repo}:${reference} as ${digest}, expected ${sha256Digest(bytes)}`);
  return digest;
}
