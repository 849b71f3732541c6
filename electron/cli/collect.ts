/** Commander helper for repeatable options: collects every value into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
