/** A platform as OCI descriptors carry it (`os.version` spelled osVersion). */
export type Platform = {
  os: string;
  architecture: string;
  variant?: string;
  /** Windows build, e.g. `10.0.20348.2340`; filters may give a prefix (`10.0.20348`). */
  osVersion?: string;
};
