/** The archive folder holding plain files. */
export const FILES_DIR = 'files';

/** The archive entry of a plain file: `files/<name>`. */
export function plainFilePath(name: string): string {
  return `${FILES_DIR}/${name}`;
}
