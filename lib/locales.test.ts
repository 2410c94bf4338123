import { describe, expect, it } from "vitest";
import { directionOf, localeFromAcceptLanguage, themeOf } from "./locales";

describe("localeFromAcceptLanguage", () => {
  it("takes the browser's most preferred language that Arbiter speaks", () => {
    expect(localeFromAcceptLanguage("fr-CH, fr;q=0.9, ar-EG;q=0.8, es;q=0.7")).toBe("ar");
    expect(localeFromAcceptLanguage("es;q=0.5, ar;q=0.6")).toBe("ar");
    expect(localeFromAcceptLanguage("es-419")).toBe("es");
  });

  it("falls back to English for nothing, unknown languages and refused ones", () => {
    expect(localeFromAcceptLanguage(null)).toBe("en");
    expect(localeFromAcceptLanguage("de, fr")).toBe("en");
    expect(localeFromAcceptLanguage("ar;q=0, de")).toBe("en");
  });
});

describe("preferences", () => {
  it("writes Arabic right to left and reads an unknown theme as the system's", () => {
    expect([directionOf("ar"), directionOf("es")]).toEqual(["rtl", "ltr"]);
    expect([themeOf("dark"), themeOf("purple"), themeOf(undefined)]).toEqual(["dark", "system", "system"]);
  });
});
