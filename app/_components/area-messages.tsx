// Sends the browser the messages of the areas a part of the site uses, on top of the shared
// ones. A nested NextIntlClientProvider replaces its parent's messages rather than adding to
// them, so the shared area always comes along.
import { NextIntlClientProvider } from "next-intl";
import { getLocale } from "next-intl/server";
import type { ReactNode } from "react";
import { loadMessages, type MessageArea } from "../_lib/i18n-messages";
import { DEFAULT_LOCALE, isLocale } from "@/lib/locales";

export async function AreaMessages({
  areas,
  children,
}: {
  areas: readonly Exclude<MessageArea, "shared">[];
  children: ReactNode;
}) {
  const locale = await getLocale();
  const messages = await loadMessages(isLocale(locale) ? locale : DEFAULT_LOCALE, ["shared", ...areas]);
  return <NextIntlClientProvider messages={messages}>{children}</NextIntlClientProvider>;
}
