import { describe, expect, it } from "vitest";
import { plural } from "./plural";

describe("plural", () => {
  it("says one thing in the singular and other counts in the plural", () => {
    expect(plural(1, "comparison")).toBe("1 comparison");
    expect(plural(0, "comparison")).toBe("0 comparisons");
    expect(plural(1204, "row")).toBe("1,204 rows");
    expect(plural(2, "battle", "battles so far")).toBe("2 battles so far");
  });
});
