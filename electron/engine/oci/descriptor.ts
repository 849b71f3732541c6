/** An OCI content descriptor (the subset Ferry reads and writes). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: DescriptorPlatform;
  artifactType?: string;
}

/** The `platform` object of an index entry, with OCI's dotted field names. */
export interface DescriptorPlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}
