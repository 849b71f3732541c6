/** A parsed, normalized image reference: `registry/repository[:tag][@digest]`. */
export interface ImageReference {
  /** Registry host as users name it, with port when given: `docker.io`, `localhost:5000`, `127.0.0.1:5000`, `[::1]:5000`. */
  registry: string;
  /** Repository path inside the registry: `library/nginx`, `team/app/api`. */
  repository: string;
  /** Tag, when given (defaults to `latest` only when neither tag nor digest was given). */
  tag?: string;
  /** Digest, when given: `sha256:<64 hex>`. */
  digest?: string;
}
