/** Byte and duration formatting for the CLI (the one implementation lives in shared/format.ts). */
export { formatBytes, formatDuration } from '../../../shared/format.js';
