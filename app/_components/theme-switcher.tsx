"use client";
// Light, dark or the system's theme: applied at once and kept in a cookie, so the next page
// (rendered on the server) comes in the same theme without a flash.
import { useTranslations } from "next-intl";
import { useState } from "react";
import { PREFERENCE_COOKIE_MAX_AGE, THEME_COOKIE, THEMES, themeOf } from "@/lib/locales";
import { PreferenceSelect } from "./preference-select";

const LABEL_KEYS = { system: "themeSystem", light: "themeLight", dark: "themeDark" } as const;

export function ThemeSwitcher({ initial }: { initial: string }) {
  const t = useTranslations("Header");
  const [theme, setTheme] = useState(themeOf(initial));
  return (
    <PreferenceSelect
      id="theme-switcher"
      label={t("theme")}
      value={theme}
      onChange={(event) => {
        const chosen = themeOf(event.target.value);
        setTheme(chosen);
        document.documentElement.dataset.theme = chosen;
        document.cookie = `${THEME_COOKIE}=${chosen}; path=/; max-age=${PREFERENCE_COOKIE_MAX_AGE}; samesite=lax`;
      }}
    >
      {THEMES.map((value) => (
        <option key={value} value={value}>
          {t(LABEL_KEYS[value])}
        </option>
      ))}
    </PreferenceSelect>
  );
}
