// The interface languages and colour themes people can choose. Imports nothing, so client
// components, the server and next-intl's request configuration share it.

export const LOCALES = ["en", "es", "ar"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** Each language's own name, as its speakers look for it in the switcher. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", es: "Español", ar: "العربية" };

const RIGHT_TO_LEFT: ReadonlySet<Locale> = new Set(["ar"]);
export function directionOf(locale: Locale): "ltr" | "rtl" {
  return RIGHT_TO_LEFT.has(locale) ? "rtl" : "ltr";
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** The best of our locales for an Accept-Language header (quality order, language part only). */
export function localeFromAcceptLanguage(header: string | null): Locale {
  const ranked = (header ?? "")
    .split(",")
    .map((part, index) => {
      const [tag, ...parameters] = part.trim().split(";");
      const quality = parameters.find((parameter) => parameter.trim().startsWith("q="));
      return {
        language: tag.trim().toLowerCase().split("-")[0],
        q: quality ? Number(quality.trim().slice(2)) : 1,
        index,
      };
    })
    .filter((entry) => entry.language && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((entry) => entry.language).find(isLocale) ?? DEFAULT_LOCALE;
}

/** Cookies the browser keeps for a year: the language (for visitors not signed in) and the theme. */
export const LOCALE_COOKIE = "arbiter-locale";
export const THEME_COOKIE = "arbiter-theme";
export const PREFERENCE_COOKIE_MAX_AGE = 365 * 24 * 3600;

export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];
export function themeOf(value: unknown): Theme {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value)
    ? (value as Theme)
    : "system";
}
