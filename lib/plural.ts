// Counts in words: "1 comparison", "2 comparisons", "1,204 rows".

/** The count (with thousands separators) and the word, singular for exactly one. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? singular : pluralForm}`;
}
