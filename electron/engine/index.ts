/**
 * Ferry's engine façade: the one surface the CLI and the app call. Plain Node, no Electron.
 */
export { createBundle, type CreateBundleOptions, type CreateBundleResult, type JobControls } from './bundle/create-bundle.js';
export { inspectBundle, bundleWarnings, type BundleInspection } from './bundle/inspect-bundle.js';
export { parseSize, FAT32_MAX_FILE } from './bundle/parse-size.js';
export { FerryError, serializeError, isAbortError } from './errors/ferry-error.js';
export { RegistryClient, type RegistryClientOptions } from './registry/registry-client.js';
export { TOOL_VERSION } from './version.js';
export { renderHtmlReport, type ReviewReportInput } from './report/html-report.js';
export { writeFileAtomic } from './util/write-file-atomic.js';
