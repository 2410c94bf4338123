// The interface language a person chose. Stored on their account, so it follows them to every
// browser; pages read it before the visitor's cookie and the browser's Accept-Language.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { isLocale, LOCALES, type Locale } from "@/lib/locales";
import type { SessionUser } from "@/server/auth/session-user";

export const SetLocaleInput = z.object({
  locale: z.enum(LOCALES, `Choose one of the languages Arbiter speaks: ${LOCALES.join(", ")}.`),
});
export type SetLocaleInput = z.input<typeof SetLocaleInput>;

export async function setUserLocale(db: Db, rawInput: SetLocaleInput, actor: Pick<SessionUser, "id">) {
  const { locale } = SetLocaleInput.parse(rawInput);
  await db.update(users).set({ locale, updatedAt: new Date() }).where(eq(users.id, actor.id));
  return { locale };
}

/** Null when they never chose one (or chose one Arbiter no longer has). */
export async function getUserLocale(db: Db, userId: string): Promise<Locale | null> {
  const [row] = await db.select({ locale: users.locale }).from(users).where(eq(users.id, userId));
  return isLocale(row?.locale) ? row.locale : null;
}
