// Checks an email and password. Wrong password and unknown account get the same message, so
// nobody can probe which emails have accounts. Guessing is slowed, not stopped: past a few
// failures each further attempt waits twice as long as the one before (capped), counted per
// (account, address), per address and per account — and an attacker elsewhere cannot lock an
// owner out, because the per-account count is looser and skips addresses the owner signed in from.
import "server-only";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { sessions, signInThrottles, users } from "@/db/schema";
import { TooManyRequestsError, UnauthorizedError } from "@/server/errors";
import { describeWait } from "@/server/services/rate-limits/consume-rate-limit";
import { dummyPasswordHash, PASSWORD_MAX_LENGTH, verifyPassword } from "./password";
import type { SessionUser } from "./session-user";
import { createSession } from "./sessions";

/** Failures admitted without a wait, per kind of count. */
export const FREE_FAILURES = { accountAddress: 5, address: 30, account: 20 } as const;
export const MAX_DELAY_SECONDS = 15 * 60;
/** A count left alone this long starts again from zero. */
export const FORGET_FAILURES_AFTER_MS = 24 * 3600_000;

export const WRONG_CREDENTIALS_MESSAGE = "Wrong email or password. Check both and try again.";
export const DEACTIVATED_MESSAGE = "This account has been deactivated. Ask an admin to reactivate it.";

export const SignInInput = z.object({
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().max(PASSWORD_MAX_LENGTH),
  ipAddress: z.string().max(100).nullable(),
  userAgent: z.string().nullable(),
});
export type SignInInput = z.infer<typeof SignInInput>;

type Scope = keyof typeof FREE_FAILURES;

/** After `failures` failures, the wait before the next attempt: 2^k seconds, k failures past the free ones. */
export function delayAfterFailures(failures: number, scope: Scope) {
  const over = failures - FREE_FAILURES[scope];
  return over < 0 ? 0 : Math.min(MAX_DELAY_SECONDS, 2 ** over);
}

// Keys are compared and locked in one order (JavaScript's, and "C" collation in SQL) so that two
// attempts sharing keys never wait on each other in a cycle.
function throttleKeys(email: string, ipAddress: string, countAccount: boolean) {
  const keys: { key: string; scope: Scope }[] = [
    { key: `account+address:${email}|${ipAddress}`, scope: "accountAddress" },
    { key: `address:${ipAddress}`, scope: "address" },
  ];
  if (countAccount) keys.push({ key: `account:${email}`, scope: "account" });
  return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// "No wait" is the epoch, not the attempt's own time: concurrent attempts take their clocks a few
// milliseconds apart, and an attempt must not be refused because another one, started a moment
// later, was recorded first.
const NO_WAIT = new Date(0);
const waitAfter = (now: Date, seconds: number) =>
  seconds > 0 ? new Date(now.getTime() + seconds * 1000) : NO_WAIT;

/** Counts this attempt as a failure on every key, in one transaction with the check, unless a
 * key asks it to wait; then it is refused without being counted (hammering does not extend a
 * wait) and without its password being checked. */
async function admitAttempt(db: Db, keys: { key: string; scope: Scope }[], now: Date) {
  const refusal = await db.transaction(async (tx) => {
    const names = keys.map(({ key }) => key);
    await tx
      .insert(signInThrottles)
      .values(names.map((key) => ({ key, failures: 0, nextAttemptAt: NO_WAIT, lastAttemptAt: now })))
      .onConflictDoNothing();
    const rows = await tx
      .select()
      .from(signInThrottles)
      .where(inArray(signInThrottles.key, names))
      .orderBy(sql`${signInThrottles.key} collate "C"`)
      .for("update");
    const waitUntil = Math.max(...rows.map((row) => row.nextAttemptAt.getTime()));
    if (waitUntil > now.getTime()) return new Date(waitUntil);
    for (const { key, scope } of keys) {
      const row = rows.find((candidate) => candidate.key === key)!;
      const isStale = now.getTime() - row.lastAttemptAt.getTime() > FORGET_FAILURES_AFTER_MS;
      const failures = (isStale ? 0 : row.failures) + 1;
      await tx
        .update(signInThrottles)
        .set({
          failures,
          nextAttemptAt: waitAfter(now, delayAfterFailures(failures, scope)),
          lastAttemptAt: now,
        })
        .where(eq(signInThrottles.key, key));
    }
    return null;
  });
  if (refusal) {
    const seconds = Math.max(1, Math.ceil((refusal.getTime() - now.getTime()) / 1000));
    throw new TooManyRequestsError(
      `Too many failed sign-in attempts. Wait ${describeWait(seconds)} and try again, or ask an admin for help.`,
    );
  }
}

/** The right password was given: the account's counts start again, and the address's count
 * takes back this attempt (its wait stays, so mixing in a known password does not skip it). */
async function recordSuccess(db: Db, keys: { key: string; scope: Scope }[]) {
  const cleared = keys.filter(({ scope }) => scope !== "address").map(({ key }) => key);
  const address = keys.filter(({ scope }) => scope === "address").map(({ key }) => key);
  await db.delete(signInThrottles).where(inArray(signInThrottles.key, cleared));
  await db
    .update(signInThrottles)
    .set({ failures: sql`greatest(${signInThrottles.failures} - 1, 0)` })
    .where(inArray(signInThrottles.key, address));
}

export async function signIn(db: Db, rawInput: SignInInput, now = new Date()): Promise<SessionUser> {
  const parsed = SignInInput.safeParse(rawInput);
  if (!parsed.success || !parsed.data.email || !parsed.data.password) {
    throw new UnauthorizedError(WRONG_CREDENTIALS_MESSAGE);
  }
  const input = parsed.data;
  const ipAddress = input.ipAddress ?? "unknown";

  // Whether the account ever signed in from this address.
  const [knownAddress] = await db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(users.email, input.email), eq(sessions.ipAddress, ipAddress)))
    .limit(1);
  const keys = throttleKeys(input.email, ipAddress, !knownAddress);
  await admitAttempt(db, keys, now);

  const [user] = await db.select().from(users).where(eq(users.email, input.email));
  const passwordMatches = await verifyPassword(
    user?.passwordHash ?? (await dummyPasswordHash()),
    input.password,
  );
  if (!user || !user.passwordHash || !passwordMatches) {
    // Counts nobody has touched for a day are useless to the limiter; dropping them here keeps the table small.
    await db
      .delete(signInThrottles)
      .where(lt(signInThrottles.lastAttemptAt, new Date(now.getTime() - FORGET_FAILURES_AFTER_MS)));
    throw new UnauthorizedError(WRONG_CREDENTIALS_MESSAGE);
  }
  await recordSuccess(db, keys);
  if (!user.isActive) throw new UnauthorizedError(DEACTIVATED_MESSAGE);

  await db.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
  const session = await createSession(db, { userId: user.id, ipAddress, userAgent: input.userAgent }, now);
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: session.id };
}
