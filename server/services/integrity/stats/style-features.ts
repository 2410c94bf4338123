// The style of a response as Chatbot Arena's style control measures it (Li et al., "Does style
// matter? Disentangling style and substance in Chatbot Arena", LMSYS 2024): its length and its
// Markdown headers, bold spans and list items.

export const STYLE_FEATURES = ["length", "headers", "bold", "listItems"] as const;
export type StyleFeature = (typeof STYLE_FEATURES)[number];

/** Words (whitespace-separated), a tokenizer-free stand-in for Arena's token count. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
}

export function styleFeatures(text: string): number[] {
  return [
    countWords(text),
    (text.match(/^#{1,6}\s+\S/gm) ?? []).length,
    (text.match(/(\*\*|__)(?=\S)[\s\S]*?\S\1/g) ?? []).length,
    (text.match(/^\s*(?:[-*+]|\d+[.)])\s+\S/gm) ?? []).length,
  ];
}

/** Arena's covariate for one feature: the normalized difference (a − b) / (a + b), 0 when both
 * are 0, so it says how much more one side has independently of the scale. */
export function normalizedDifference(a: number, b: number): number {
  return a + b === 0 ? 0 : (a - b) / (a + b);
}
