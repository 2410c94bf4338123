import { describe, expect, it } from "vitest";
import { countWords } from "./style-features";

const splitCount = (text: string) => {
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
};

describe("countWords", () => {
  it("counts what splitting the trimmed text on JavaScript's whitespace counts", () => {
    for (const text of [
      "",
      "   ",
      "one",
      "  two words ",
      "# Title\n\n**bold** text\n- item",
      "\u{1d400} x",
    ]) {
      expect(countWords(text), JSON.stringify(text)).toBe(splitCount(text));
    }
    // Every UTF-16 code unit, between words and at the ends.
    for (let code = 0; code <= 0xffff; code++) {
      const unit = String.fromCharCode(code);
      const text = `${unit}left${unit}right${unit}`;
      if (countWords(text) !== splitCount(text))
        expect(countWords(text), `U+${code.toString(16)}`).toBe(splitCount(text));
    }
  });
});
