import { describe, expect, it } from "vitest";
import { normalUpperTail } from "./normal";

describe("normalUpperTail", () => {
  it("matches the table values", () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1.644854)).toBeCloseTo(0.95, 6);
    expect(normalUpperTail(3.090232)).toBeCloseTo(0.001, 6);
  });
});
