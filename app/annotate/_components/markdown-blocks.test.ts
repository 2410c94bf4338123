// A streaming response must not re-parse its whole Markdown on every token: only the last block
// may change as text arrives, and the blocks together must still say what the whole text says.
import { describe, expect, it } from "vitest";
import { markdownBlocks } from "./markdown-blocks";

const RESPONSE = [
  "# Why the sky is blue",
  "",
  "Sunlight is scattered by the air:",
  "",
  "1. Blue light scatters more.",
  "2. Red light passes through.",
  "",
  "   An indented continuation of the second item.",
  "",
  "```python",
  "def rayleigh(wavelength):",
  "",
  "    return 1 / wavelength ** 4",
  "```",
  "",
  "",
  "That is **Rayleigh** scattering.",
].join("\n");

describe("markdownBlocks", () => {
  it("cuts at blank lines but keeps fenced code and indented continuations whole", () => {
    expect(markdownBlocks(RESPONSE)).toEqual([
      "# Why the sky is blue",
      "Sunlight is scattered by the air:",
      "1. Blue light scatters more.\n2. Red light passes through.\n\n   An indented continuation of the second item.",
      "```python\ndef rayleigh(wavelength):\n\n    return 1 / wavelength ** 4\n```",
      "That is **Rayleigh** scattering.",
    ]);
  });

  it("changes only the last block as the text streams in, token by token", () => {
    const tokens = RESPONSE.match(/\s*\S+/g)!;
    let previous: string[] = [];
    let text = "";
    for (const token of tokens) {
      text += token;
      const blocks = markdownBlocks(text);
      // Every block before the last is exactly what it was: its rendering is reused.
      expect(blocks.slice(0, previous.length - 1)).toEqual(previous.slice(0, -1));
      previous = blocks;
    }
    expect(previous).toEqual(markdownBlocks(RESPONSE));
  });

  it("leaves a text without blank lines as one block", () => {
    expect(markdownBlocks("one line\nand another")).toEqual(["one line\nand another"]);
    expect(markdownBlocks("")).toEqual([]);
  });
});
