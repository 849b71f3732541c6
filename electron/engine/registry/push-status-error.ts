import { FerryError } from '../errors/ferry-error.js';
import type { HttpResponse } from './http-transport.js';
import type { RegistryClient } from './registry-client.js';
import { registryErrorDetail } from './registry-error-detail.js';
import { isRetryableStatus } from './send-with-retries.js';

/** A push failure worth restarting the whole upload for (a lost upload session, a 5xx or 429 after retries, a broken connection). */
export class RetryablePushError extends FerryError {}

/** True when restarting an upload from scratch may help: transport failures and {@link RetryablePushError}s. */
export function isRetryablePushError(error: unknown): boolean {
  return error instanceof RetryablePushError || (error instanceof FerryError && (error.code === 'network' || error.code === 'timeout'));
}

/** What was being pushed, for messages. */
export interface PushStatusContext {
  registry: string;
  repository: string;
  /** `blob sha256:…` or `manifest sha256:…` (or a tag). */
  what: string;
  subject: string;
}

/** The user-facing error for an unexpected answer to a push request; consumes the body. */
export async function pushStatusError(client: RegistryClient, response: HttpResponse, ctx: PushStatusContext): Promise<FerryError> {
  const status = response.statusCode;
  const detail = await registryErrorDetail(response);
  const { registry, repository, subject } = ctx;
  const suffix = detail ? ` (the registry said: ${detail})` : '';
  if (status === 401) {
    return new FerryError(
      'unauthorized',
      (await client.hasLogin(registry))
        ? `${registry} refused the saved login for pushing to ${repository}${suffix}; check that it may push there, or log in again with "docker login ${registry}".`
        : `${registry} requires a login to push to ${repository}${suffix}; log in with "docker login ${registry}".`,
      { subject },
    );
  }
  if (status === 403) {
    return new FerryError('denied', `${registry} denied pushing to ${repository}${suffix}; check that your login may push to this repository.`, { subject });
  }
  if (isRetryableStatus(status)) {
    return new RetryablePushError('registry-error', `${registry} failed with HTTP ${status} while pushing ${ctx.what} to ${repository}${suffix}; try again later.`, { subject });
  }
  if (status === 404 || status === 416) {
    // an upload session that expired or lost track of its offset: start the upload again
    return new RetryablePushError('registry-error', `${registry} lost the upload of ${ctx.what} to ${repository} (HTTP ${status})${suffix}.`, { subject });
  }
  return new FerryError('registry-error', `${registry} answered HTTP ${status} while pushing ${ctx.what} to ${repository}${suffix}.`, { subject });
}

/** Fails when a registry reports a different `Docker-Content-Digest` than the content sent (the bytes were changed on the way). */
export function checkContentDigest(response: HttpResponse, expected: string, ctx: PushStatusContext): void {
  const header = response.headers['docker-content-digest'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value !== '' && value !== expected) {
    throw new FerryError('digest-mismatch', `${ctx.registry} stored ${ctx.what} of ${ctx.repository} under digest ${value}, not ${expected}; the target changed the content.`, {
      subject: ctx.subject,
    });
  }
}
