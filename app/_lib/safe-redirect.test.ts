import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "./safe-redirect";

describe("safeCallbackUrl", () => {
  it("keeps paths on this site", () => {
    expect(safeCallbackUrl("/admin/users?page=2")).toBe("/admin/users?page=2");
  });

  it("keeps only the path of an absolute URL", () => {
    expect(safeCallbackUrl("http://localhost:3000/admin/users")).toBe("/admin/users");
  });

  it("falls back to the start page for anything else", () => {
    for (const value of ["//evil.example/x", "javascript:alert(1)", undefined, 42, "relative", "/sign-in"]) {
      expect(safeCallbackUrl(value)).toBe("/");
    }
  });
});
