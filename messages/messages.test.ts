// The interface languages are complete and well formed: every locale has exactly English's
// messages, and each one formats (ICU syntax, plural forms, rich-text tags) without an error.
import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { LOCALES } from "@/lib/locales";
import ar from "./ar.json";
import en from "./en.json";
import es from "./es.json";

const MESSAGES = { en, es, ar } as const;

type Tree = { [key: string]: string | Tree };

function paths(tree: Tree, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "string" ? [`${prefix}${key}`] : paths(value, `${prefix}${key}.`),
  );
}

const NUMBERS = new Set([
  "count",
  "quota",
  "max",
  "page",
  "version",
  "turn",
  "amount",
  "hours",
  "minutes",
  "seconds",
  "share",
]);

/** A value for every argument a message names: numbers for counts, a wrapper for each rich-text
 * tag, a word for the rest. */
function argumentsOf(message: string) {
  const values: Record<string, unknown> = {};
  for (const [, name] of message.matchAll(/\{\s*(\w+)/g)) values[name] = NUMBERS.has(name) ? 3 : `‹${name}›`;
  for (const [, tag] of message.matchAll(/<(\w+)>/g))
    values[tag] = (chunks: string) => `<${tag}>${chunks}</${tag}>`;
  return values;
}

function messageAt(tree: Tree, path: string) {
  return path.split(".").reduce<string | Tree>((node, key) => (node as Tree)[key], tree) as string;
}

describe("messages", () => {
  it("exist for every locale, with English's keys exactly", () => {
    expect(Object.keys(MESSAGES).sort()).toEqual([...LOCALES].sort());
    for (const locale of LOCALES) expect(paths(MESSAGES[locale]).sort()).toEqual(paths(en).sort());
  });

  it("all format in their own locale", () => {
    for (const locale of LOCALES) {
      const t = createTranslator({ locale, messages: MESSAGES[locale], timeZone: "UTC" });
      for (const path of paths(MESSAGES[locale])) {
        const formatted = t.markup(path as never, argumentsOf(messageAt(MESSAGES[locale], path)) as never);
        expect(formatted, `${locale} ${path}`).not.toBe(path);
        expect(formatted.length, `${locale} ${path}`).toBeGreaterThan(0);
      }
    }
  });
});
