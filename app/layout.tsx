import type { Metadata } from "next";
import { getLocale } from "next-intl/server";
import type { ReactNode } from "react";
import { AreaMessages } from "./_components/area-messages";
import { SiteHeader } from "./_components/site-header";
import { getTheme } from "./_lib/preferences";
import { Providers } from "./_lib/trpc";
import { directionOf, isLocale } from "@/lib/locales";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Arbiter", template: "%s · Arbiter" },
  description: "Human-preference annotation",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const locale = await getLocale();
  return (
    <html lang={locale} dir={isLocale(locale) ? directionOf(locale) : "ltr"} data-theme={await getTheme()}>
      <body className="min-h-screen">
        {/* The shared messages only: admin and review layouts add their areas' own. */}
        <AreaMessages areas={[]}>
          <Providers>
            <SiteHeader />
            <main className="mx-auto max-w-6xl px-4 py-6 sm:px-6 sm:py-8">{children}</main>
          </Providers>
        </AreaMessages>
      </body>
    </html>
  );
}
