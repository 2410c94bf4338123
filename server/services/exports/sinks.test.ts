import { describe, expect, it } from "vitest";
import { serializeRow } from "./sinks";

describe("serializeRow", () => {
  it("writes exactly what JSON.stringify writes, one line per row", () => {
    const prompt = [
      { role: "user", content: 'Quote " and \\ and ünïcödé ✓, tab\t, \u2028, emoji 🙂, lone \ud800' },
    ];
    const rows: Record<string, unknown>[] = [
      { prompt, chosen: [{ role: "assistant", content: "a" }], rejected: [], margin: 2 / 3 },
      { label: false, nothing: null, skipped: undefined, big: 1e21, negativeZero: -0, notANumber: NaN },
      { list: [1, undefined, "x", null, [true]], nested: { deeper: { text: "\u0000\u001f" } } },
      {},
    ];
    for (const row of rows) expect(serializeRow(row)).toBe(`${JSON.stringify(row)}\n`);
  });
});
