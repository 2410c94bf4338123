// The style of a response as Chatbot Arena's style control measures it (Li et al., "Does style
// matter? Disentangling style and substance in Chatbot Arena", LMSYS 2024): its length and its
// Markdown headers, bold spans and list items.

export const STYLE_FEATURES = ["length", "headers", "bold", "listItems"] as const;
export type StyleFeature = (typeof STYLE_FEATURES)[number];

/** Whether a UTF-16 code unit is JavaScript's whitespace (`\s`: WhiteSpace and LineTerminator). */
function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Words (runs of non-whitespace: `text.trim().split(/\s+/).length`, without building the
 * array), a tokenizer-free stand-in for Arena's token count. It runs over every response of a
 * campaign. */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isWhitespace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** A text's STYLE_FEATURES, in order: stored with each completed response (responses.
 * style_features) and computed from the text where a stored one is missing. */
export function styleFeatures(text: string): number[] {
  return [
    countWords(text),
    (text.match(/^#{1,6}\s+\S/gm) ?? []).length,
    (text.match(/(\*\*|__)(?=\S)[\s\S]*?\S\1/g) ?? []).length,
    (text.match(/^\s*(?:[-*+]|\d+[.)])\s+\S/gm) ?? []).length,
  ];
}

const LENGTH_INDEX = STYLE_FEATURES.indexOf("length");

/** The words of a text, from its style features (the "length" feature). */
export function wordsOf(features: readonly number[]): number {
  return features[LENGTH_INDEX];
}

/** Arena's covariate for one feature: the normalized difference (a − b) / (a + b), 0 when both
 * are 0, so it says how much more one side has independently of the scale. */
export function normalizedDifference(a: number, b: number): number {
  return a + b === 0 ? 0 : (a - b) / (a + b);
}
