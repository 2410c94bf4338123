import { describe, expect, it } from "vitest";
import { lineDiff } from "./guideline-diff";

describe("lineDiff", () => {
  it("keeps common lines and marks what was removed and added, in order", () => {
    const before = "# Rules\nBe kind.\nPick the longer one.\nReport spam.";
    const after = "# Rules\nBe kind.\nPick the more helpful one.\nReport spam.\nAsk when unsure.";
    expect(lineDiff(before, after)).toEqual([
      { change: "same", text: "# Rules" },
      { change: "same", text: "Be kind." },
      { change: "removed", text: "Pick the longer one." },
      { change: "added", text: "Pick the more helpful one." },
      { change: "same", text: "Report spam." },
      { change: "added", text: "Ask when unsure." },
    ]);
  });

  it("says nothing changed for the same text", () => {
    expect(lineDiff("a\nb", "a\nb").every((line) => line.change === "same")).toBe(true);
  });
});
