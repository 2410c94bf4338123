// The interface languages are complete and well formed: in every area of the site (the shared
// messages and each other area), every locale has exactly English's messages, and each one
// formats (ICU syntax, plural forms, rich-text tags) without an error. Areas never share a
// namespace, since the server merges them.
import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { loadMessages, MESSAGE_AREAS } from "@/app/_lib/i18n-messages";
import { LOCALES, type Locale } from "@/lib/locales";

type Tree = { [key: string]: string | Tree };

function paths(tree: Tree, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "string" ? [`${prefix}${key}`] : paths(value, `${prefix}${key}.`),
  );
}

const NUMBER_TYPES = new Set(["plural", "selectordinal", "number"]);
const DATE_TYPES = new Set(["date", "time"]);

/** A value for every argument a message names, of the kind its ICU type asks for (a number for
 * plurals and numbers, a date for dates, a word for the rest), and a wrapper for each rich-text tag. */
function argumentsOf(message: string) {
  const values: Record<string, unknown> = {};
  for (const [, name, type] of message.matchAll(/\{\s*(\w+)\s*(?:,\s*(\w+))?/g)) {
    if (type && NUMBER_TYPES.has(type)) values[name] = 3;
    else if (type && DATE_TYPES.has(type)) values[name] = new Date(Date.UTC(2026, 0, 2));
    else values[name] ??= type === "select" ? "other" : `‹${name}›`;
  }
  for (const [, tag] of message.matchAll(/<(\w+)>/g))
    values[tag] = (chunks: string) => `<${tag}>${chunks}</${tag}>`;
  return values;
}

function messageAt(tree: Tree, path: string) {
  return path.split(".").reduce<string | Tree>((node, key) => (node as Tree)[key], tree) as string;
}

describe.each(MESSAGE_AREAS)("the %s messages", (area) => {
  const load = (locale: Locale) => loadMessages(locale, [area]) as Promise<Tree>;

  it("exist for every locale, with English's keys exactly", async () => {
    const english = paths(await load("en")).sort();
    for (const locale of LOCALES) expect(paths(await load(locale)).sort(), locale).toEqual(english);
  });

  it("all format in their own locale", async () => {
    for (const locale of LOCALES) {
      const messages = await load(locale);
      const t = createTranslator({ locale, messages, timeZone: "UTC" });
      for (const path of paths(messages)) {
        const formatted = t.markup(path as never, argumentsOf(messageAt(messages, path)) as never);
        expect(formatted, `${locale} ${path}`).not.toBe(path);
        expect(formatted.length, `${locale} ${path}`).toBeGreaterThan(0);
      }
    }
  });
});

it("gives each namespace to one area only", async () => {
  const namespaces = await Promise.all(
    MESSAGE_AREAS.map(async (area) => Object.keys(await loadMessages("en", [area]))),
  );
  const all = namespaces.flat();
  expect(all.length).toBe(new Set(all).size);
});
