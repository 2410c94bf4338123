// The interface's messages, one file per locale in each area of the site. The server renders
// with all of them; the browser gets only the areas of the page it shows (the root layout sends
// the shared area, the admin and review layouts add theirs), so the annotation page's payload
// does not carry the admin pages' text.
import type { Locale } from "@/lib/locales";

type Messages = Record<string, unknown>;

const AREAS = {
  /** The annotator's pages and what every page shows (header, errors): messages/{locale}.json. */
  shared: (locale: Locale) => import(`../../messages/${locale}.json`),
  /** Admin pages other than campaigns, review, API tokens, server errors. */
  admin: (locale: Locale) => import(`../../messages/admin/${locale}.json`),
  /** The campaign pages under /admin/campaigns. */
  "admin-campaigns": (locale: Locale) => import(`../../messages/admin-campaigns/${locale}.json`),
  /** A crowd participant's study pages under /participate (the workspace's bar is shared). */
  participate: (locale: Locale) => import(`../../messages/participate/${locale}.json`),
} satisfies Record<string, (locale: Locale) => Promise<{ default: Messages }>>;

export type MessageArea = keyof typeof AREAS;
export const MESSAGE_AREAS = Object.keys(AREAS) as MessageArea[];

/** The areas' messages merged (their top-level namespaces are distinct: messages.test.ts). */
export async function loadMessages(locale: Locale, areas: readonly MessageArea[]): Promise<Messages> {
  const files = await Promise.all(areas.map((area) => AREAS[area](locale)));
  return Object.assign({}, ...files.map((file) => file.default));
}
