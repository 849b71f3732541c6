/** Words of a text field: split on commas, spaces and new lines. */
export function wordsOf(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '');
}
