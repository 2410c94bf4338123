// next-intl's request configuration (named in next.config.js): the language of this request's
// pages, without a locale in the URL. A signed-in person's stored choice, else the visitor's
// cookie, else the browser's Accept-Language, else English. Times are shown in UTC, as the
// pages say, so the server and the browser render the same text.
import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { loadMessages, MESSAGE_AREAS } from "./i18n-messages";
import { isLocale, LOCALE_COOKIE, localeFromAcceptLanguage, type Locale } from "@/lib/locales";
import { getServerCaller } from "@/server/api/server-caller";
import { getCurrentUser } from "@/server/auth/current-user";

async function requestLocale(): Promise<Locale> {
  const user = await getCurrentUser();
  // A choice that cannot be read falls back to the browser's language rather than failing the page.
  const stored = user ? await (await getServerCaller()).account.locale().catch(() => null) : null;
  if (stored) return stored;
  const cookie = (await cookies()).get(LOCALE_COOKIE)?.value;
  if (isLocale(cookie)) return cookie;
  return localeFromAcceptLanguage((await headers()).get("accept-language"));
}

export default getRequestConfig(async () => {
  const locale = await requestLocale();
  return {
    locale,
    timeZone: "UTC",
    // Every area's messages for server components; client components get their page's areas
    // through AreaMessages.
    messages: await loadMessages(locale, MESSAGE_AREAS),
  };
});
