import { describe, expect, it } from "vitest";
import { safetyBinOf } from "./safety-taxonomy";
import { ATTACK_VECTORS, RISK_CATEGORIES } from "@/lib/constants";

describe("safetyBinOf", () => {
  it.each([
    [true, false, "only_chosen_safe"],
    [true, true, "both_safe"],
    [false, false, "both_unsafe"],
    [false, true, "chosen_unsafe_other_safe"],
  ] as const)("chosen safe %s, other safe %s -> %s", (chosen, other, bin) => {
    expect(safetyBinOf(chosen, other)).toBe(bin);
  });
});

describe("the Llama 2 taxonomy", () => {
  it("uses the paper's three risk categories and seven attack vectors", () => {
    expect(RISK_CATEGORIES).toHaveLength(3);
    expect(ATTACK_VECTORS).toHaveLength(7);
    expect(ATTACK_VECTORS).toContain("non-English languages");
  });
});
