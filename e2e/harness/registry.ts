import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { makeCa } from './certs.js';
import { freePort } from './free-port.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { makeTempDir, removeDir } from './temp-dir.js';
import { startTokenServer, type TokenServerHandle } from './token-server.js';
import { runOrThrow } from './tools.js';
import { waitUntil } from './wait-until.js';

/** How a test registry authenticates clients. */
export type RegistryAuth = 'none' | 'basic' | 'token';

/** Options for {@link startRegistry}. */
export interface RegistryOptions {
  /** 'none' (default), 'basic' (htpasswd, bcrypt) or 'token' (Docker token flow via a harness token server). */
  auth?: RegistryAuth;
  /** Serve https with a certificate from a harness-made CA; defaults to true for 'basic', false otherwise. */
  tls?: boolean;
  /** Storage root; defaults to a fresh temp dir. Pass another instance's rootDir to serve the same images
   * with different auth/TLS (the given dir is never deleted by stop()). */
  rootDir?: string;
  /** Allow manifests whose descriptors carry `urls` starting with http://127.0.0.1 (foreign layers).
   * Defaults to TRUE so seedTestImages() (windows image) works; pass false for distribution's default
   * behaviour, which rejects any manifest with `urls`. */
  allowForeignUrls?: boolean;
  /** Password for user `ferry` ('basic'/'token'); defaults to a random one. */
  password?: string;
  /** 'token' only: whether anonymous token requests get pull access (default true). */
  anonymousPull?: boolean;
  /** 'token' only: token lifetime in seconds (default 300). */
  tokenExpiresIn?: number;
}

/** A running distribution 2.8 registry on 127.0.0.1. */
export interface RegistryHandle {
  /** `127.0.0.1:PORT` — what goes into image references. */
  host: string;
  /** `scheme://host`. */
  url: string;
  scheme: 'http' | 'https';
  auth: RegistryAuth;
  allowForeignUrls: boolean;
  /** Storage root (`storage.filesystem.rootdirectory`). */
  rootDir: string;
  /** `ferry` for 'basic' and 'token'. */
  username?: string;
  password?: string;
  /** PEM file of the CA that signed the registry certificate (tls only). */
  caFile?: string;
  /** A directory holding only `ca.crt` (tls only): skopeo's `--cert-dir` / `--src-cert-dir`. */
  certDir?: string;
  /** The token server ('token' only): `tokenServer.tokenRequests` counts the tokens served. */
  tokenServer?: TokenServerHandle;
  /** An undici dispatcher that trusts `caFile`; closed by stop(). */
  dispatcher: Dispatcher;
  /** The generated config file. */
  configFile: string;
  /** Recent stderr/stdout of the registry process. */
  output(): string;
  /** Stops the registry (and its token server) and removes its temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/** The `ferry` user every authenticated registry knows. */
export const REGISTRY_USERNAME = 'ferry';

/** A registry environment without REGISTRY_* overrides inherited from the caller. */
function registryEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('REGISTRY_')) env[k] = v;
  return env;
}

/** True once `GET /v2/` answers with any HTTP status. */
async function answers(url: string, dispatcher: Dispatcher): Promise<boolean> {
  const res = await request(`${url}/v2/`, { dispatcher, headersTimeout: 2_000, bodyTimeout: 2_000 });
  await res.body.dump();
  return res.statusCode === 200 || res.statusCode === 401;
}

/**
 * Starts `docker-registry serve CONFIG.yml` (distribution 2.8) on 127.0.0.1 and a random port, and waits
 * until `/v2/` answers. The config is written as JSON (valid YAML); see the returned configFile.
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryHandle> {
  const auth = options.auth ?? 'none';
  const tls = options.tls ?? auth === 'basic';
  const allowForeignUrls = options.allowForeignUrls ?? true;
  const workDir = await makeTempDir('registry');
  const cleanups: Array<() => Promise<void>> = [];
  let tokenServer: TokenServerHandle | undefined;
  let dispatcher: Dispatcher | undefined;
  try {
    const rootDir = options.rootDir ?? join(workDir, 'storage');
    await mkdir(rootDir, { recursive: true });
    const password = auth === 'none' ? undefined : (options.password ?? randomBytes(12).toString('base64url'));
    const config: Record<string, unknown> = {
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true }, formatter: 'text' },
      storage: {
        filesystem: { rootdirectory: rootDir },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr: '', secret: randomBytes(16).toString('hex') },
      health: { storagedriver: { enabled: false } },
    };
    if (allowForeignUrls) {
      config.validation = { manifests: { urls: { allow: ['^http://127\\.0\\.0\\.1'] } } };
    }

    let caFile: string | undefined;
    let certDir: string | undefined;
    let ca: string | undefined;
    if (tls) {
      const pki = join(workDir, 'pki');
      await mkdir(pki);
      const authority = await makeCa(pki);
      const server = await authority.issue('registry', ['IP:127.0.0.1', 'DNS:localhost']);
      caFile = authority.caFile;
      certDir = join(workDir, 'trust');
      await mkdir(certDir);
      await copyFile(caFile, join(certDir, 'ca.crt'));
      ca = await readFile(caFile, 'utf8');
      (config.http as Record<string, unknown>).tls = { certificate: server.certFile, key: server.keyFile };
    }
    if (auth === 'basic') {
      const htpasswdFile = join(workDir, 'htpasswd');
      const { stdout } = await runOrThrow('htpasswd', ['-Bbn', REGISTRY_USERNAME, password ?? '']);
      await writeFile(htpasswdFile, stdout.trim() + '\n');
      config.auth = { htpasswd: { realm: 'ferry-test-registry', path: htpasswdFile } };
    } else if (auth === 'token') {
      const tokenDir = join(workDir, 'token');
      await mkdir(tokenDir);
      tokenServer = await startTokenServer({
        dir: tokenDir,
        service: 'ferry-test-registry',
        issuer: 'ferry-test-token-issuer',
        username: REGISTRY_USERNAME,
        password: password ?? '',
        anonymousPull: options.anonymousPull,
        expiresIn: options.tokenExpiresIn,
      });
      cleanups.push(() => tokenServer?.stop() ?? Promise.resolve());
      config.auth = {
        token: {
          realm: tokenServer.realm,
          service: tokenServer.service,
          issuer: tokenServer.issuer,
          rootcertbundle: tokenServer.certFile,
        },
      };
    }

    dispatcher = new Agent(ca ? { connect: { ca } } : {});
    const configFile = join(workDir, 'config.yml');
    const scheme = tls ? 'https' : 'http';
    let service: ServiceProcess | undefined;
    let host = '';
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      host = `127.0.0.1:${port}`;
      (config.http as Record<string, unknown>).addr = host;
      await writeFile(configFile, JSON.stringify(config, null, 2) + '\n');
      service = spawnService('docker-registry', ['serve', configFile], { env: registryEnv() });
      try {
        const d = dispatcher;
        await waitUntil(() => answers(`${scheme}://${host}`, d), { what: `docker-registry (${auth}, ${scheme}) on ${host}`, process: service });
        break;
      } catch (err) {
        await service.stop(1_000);
        if (attempt < 3 && /address already in use/i.test(service.output())) continue;
        throw err;
      }
    }
    const running = service;
    const agent = dispatcher;
    let stopped: Promise<void> | undefined;
    return {
      host,
      url: `${scheme}://${host}`,
      scheme,
      auth,
      allowForeignUrls,
      rootDir,
      ...(password !== undefined ? { username: REGISTRY_USERNAME, password } : {}),
      ...(caFile ? { caFile, certDir } : {}),
      ...(tokenServer ? { tokenServer } : {}),
      dispatcher: agent,
      configFile,
      output: () => running.output(),
      stop() {
        stopped ??= (async () => {
          await running.stop();
          for (const cleanup of cleanups) await cleanup();
          await agent.destroy().catch(() => undefined);
          await removeDir(workDir);
        })();
        return stopped;
      },
    };
  } catch (err) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await dispatcher?.destroy().catch(() => undefined);
    await removeDir(workDir);
    throw err;
  }
}
