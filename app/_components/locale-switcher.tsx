"use client";
// The interface language: stored on the account when signed in (it follows the person), and in
// a cookie for this browser; the page is then rendered again in the new language.
import { useMutation } from "@tanstack/react-query";
import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import {
  directionOf,
  isLocale,
  LOCALE_COOKIE,
  LOCALE_NAMES,
  LOCALES,
  PREFERENCE_COOKIE_MAX_AGE,
} from "@/lib/locales";
import { useTRPC } from "../_lib/trpc";
import { PreferenceSelect } from "./preference-select";

export function LocaleSwitcher({ isSignedIn }: { isSignedIn: boolean }) {
  const t = useTranslations("Header");
  const locale = useLocale();
  const router = useRouter();
  const trpc = useTRPC();
  const store = useMutation(trpc.account.setLocale.mutationOptions({ onSettled: () => router.refresh() }));
  return (
    <PreferenceSelect
      id="locale-switcher"
      label={t("language")}
      value={locale}
      disabled={store.isPending}
      onChange={(event) => {
        const chosen = event.target.value;
        if (!isLocale(chosen)) return;
        document.cookie = `${LOCALE_COOKIE}=${chosen}; path=/; max-age=${PREFERENCE_COOKIE_MAX_AGE}; samesite=lax`;
        document.documentElement.lang = chosen;
        document.documentElement.dir = directionOf(chosen);
        if (isSignedIn) store.mutate({ locale: chosen });
        else router.refresh();
      }}
    >
      {LOCALES.map((value) => (
        <option key={value} value={value} lang={value}>
          {LOCALE_NAMES[value]}
        </option>
      ))}
    </PreferenceSelect>
  );
}
