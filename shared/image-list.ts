/** The references of a plain image list (`k0s airgap list-images`, `airgap-images.txt`): one per line, `#` starts a comment, blank lines skipped. */
export function parseImageList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}
