import { describe, expect, it } from "vitest";
import { serializeRow } from "./sinks";

describe("serializeRow", () => {
  it("writes exactly what JSON.stringify writes, one line per row", () => {
    const prompt = [{ role: "user", content: 'Quote " and \\ and ünïcödé ✓ and \u2028' }];
    for (const row of [
      { prompt, chosen: [{ role: "assistant", content: "a" }], rejected: [], margin: 2 / 3 },
      { label: false, nothing: null, skipped: undefined, n: 1e21 },
      {},
    ]) {
      expect(serializeRow(row)).toBe(`${JSON.stringify(row)}\n`);
    }
  });
});
