// The person's display preferences as the server reads them for a page: the colour theme from
// its cookie (the language comes from next-intl's request configuration, i18n/request.ts).
import "server-only";
import { cookies } from "next/headers";
import { THEME_COOKIE, themeOf } from "@/lib/locales";

export async function getTheme() {
  return themeOf((await cookies()).get(THEME_COOKIE)?.value);
}
