import { describe, expect, it } from "vitest";
import { clientAddress, isHttpsRequest } from "./request-origin";

describe("clientAddress", () => {
  it("believes no X-Forwarded-For without a trusted proxy", () => {
    const headers = new Headers({ "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.9" });
    expect(clientAddress(headers, 0)).toBeNull();
  });

  it("takes the entry the trusted proxy appended, not what the client wrote before it", () => {
    const headers = new Headers({ "x-forwarded-for": "198.51.100.1, 203.0.113.9" });
    expect(clientAddress(headers, 1)).toBe("203.0.113.9");
    expect(clientAddress(new Headers({ "x-forwarded-for": "1.1.1.1, 198.51.100.1, 10.0.0.2" }), 2)).toBe(
      "198.51.100.1",
    );
  });

  it("takes the leftmost entry when fewer proxies than configured wrote one", () => {
    expect(clientAddress(new Headers({ "x-forwarded-for": "203.0.113.9" }), 2)).toBe("203.0.113.9");
  });

  it("reads next-auth's plain header records too", () => {
    expect(clientAddress({ "x-forwarded-for": "198.51.100.1, 203.0.113.9" }, 1)).toBe("203.0.113.9");
  });
});

describe("isHttpsRequest", () => {
  const forwardedHttps = new Headers({ "x-forwarded-proto": "https" });

  it("ignores X-Forwarded-Proto without a trusted proxy", () => {
    expect(isHttpsRequest(forwardedHttps, 0, undefined)).toBe(false);
  });

  it("follows the trusted proxy's X-Forwarded-Proto", () => {
    expect(isHttpsRequest(forwardedHttps, 1, undefined)).toBe(true);
    expect(isHttpsRequest(new Headers({ "x-forwarded-proto": "https, http" }), 1, undefined)).toBe(false);
  });

  it("lets NEXTAUTH_URL decide when it is set", () => {
    expect(isHttpsRequest(new Headers(), 0, "https://arbiter.example")).toBe(true);
    expect(isHttpsRequest(forwardedHttps, 1, "http://127.0.0.1:3000")).toBe(false);
  });
});
