import type { Metadata } from "next";
import type { ReactNode } from "react";
import { SiteHeader } from "./_components/site-header";
import { Providers } from "./_lib/trpc";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Arbiter", template: "%s · Arbiter" },
  description: "Human-preference annotation",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <Providers>
          <SiteHeader />
          <main className="mx-auto max-w-6xl px-4 py-6 sm:px-6 sm:py-8">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
