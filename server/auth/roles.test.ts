import { describe, expect, it } from "vitest";
import { decideAccess, forbiddenMessage, hasRole } from "./roles";

describe("decideAccess", () => {
  it("orders roles annotator < reviewer < admin", () => {
    expect(hasRole("admin", "reviewer")).toBe(true);
    expect(hasRole("reviewer", "annotator")).toBe(true);
    expect(hasRole("annotator", "reviewer")).toBe(false);
    expect(hasRole("reviewer", "admin")).toBe(false);
  });

  it("asks anonymous visitors to sign in and refuses signed-in users without the role", () => {
    expect(decideAccess(null, "public")).toBe("allowed");
    expect(decideAccess(null, "authed")).toBe("unauthenticated");
    expect(decideAccess({ role: "annotator" }, "authed")).toBe("allowed");
    expect(decideAccess({ role: "annotator" }, "admin")).toBe("forbidden");
  });

  it("tells a refused user what to do", () => {
    expect(forbiddenMessage("admin", "annotator")).toBe(
      "This needs the admin role and your account is annotator. Ask an admin if you need access.",
    );
  });
});
