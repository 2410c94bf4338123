// Checks an email and password, rate limited per account and per address. Wrong password and
// unknown account get the same message, so nobody can probe which emails have accounts.
import { and, count, eq, gt, lt, min } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { signInFailures, users } from "@/db/schema";
import { dummyPasswordHash, PASSWORD_MAX_LENGTH, verifyPassword } from "@/server/auth/password";
import type { SessionUser } from "@/server/auth/session-user";
import { TooManyRequestsError, UnauthorizedError } from "@/server/errors";
import { createSession } from "./sessions";

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 30;

export const WRONG_CREDENTIALS_MESSAGE = "Wrong email or password. Check both and try again.";
export const DEACTIVATED_MESSAGE = "This account has been deactivated. Ask an admin to reactivate it.";

export const SignInInput = z.object({
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().max(PASSWORD_MAX_LENGTH),
  ipAddress: z.string().max(100).nullable(),
  userAgent: z.string().nullable(),
});
export type SignInInput = z.infer<typeof SignInInput>;

function minutesUntil(oldestFailure: Date, now: Date) {
  const retryAt = oldestFailure.getTime() + SIGN_IN_WINDOW_MS;
  return Math.max(1, Math.ceil((retryAt - now.getTime()) / 60_000));
}

async function enforceRateLimits(db: Db, email: string, ipAddress: string, now: Date) {
  const since = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
  const [perAccount] = await db
    .select({ failures: count(), oldest: min(signInFailures.createdAt) })
    .from(signInFailures)
    .where(and(eq(signInFailures.email, email), gt(signInFailures.createdAt, since)));
  if (perAccount.failures >= MAX_FAILURES_PER_ACCOUNT && perAccount.oldest) {
    const minutes = minutesUntil(perAccount.oldest, now);
    throw new TooManyRequestsError(
      `Too many failed sign-in attempts for this account. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again, or ask an admin for help.`,
    );
  }
  const [perAddress] = await db
    .select({ failures: count(), oldest: min(signInFailures.createdAt) })
    .from(signInFailures)
    .where(and(eq(signInFailures.ipAddress, ipAddress), gt(signInFailures.createdAt, since)));
  if (perAddress.failures >= MAX_FAILURES_PER_ADDRESS && perAddress.oldest) {
    const minutes = minutesUntil(perAddress.oldest, now);
    throw new TooManyRequestsError(
      `Too many failed sign-in attempts from your network address. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`,
    );
  }
}

export async function signIn(db: Db, rawInput: SignInInput, now = new Date()): Promise<SessionUser> {
  const parsed = SignInInput.safeParse(rawInput);
  if (!parsed.success || !parsed.data.email || !parsed.data.password) {
    throw new UnauthorizedError(WRONG_CREDENTIALS_MESSAGE);
  }
  const input = parsed.data;
  const ipAddress = input.ipAddress ?? "unknown";
  await enforceRateLimits(db, input.email, ipAddress, now);

  const [user] = await db.select().from(users).where(eq(users.email, input.email));
  const passwordMatches = await verifyPassword(
    user?.passwordHash ?? (await dummyPasswordHash()),
    input.password,
  );
  if (!user || !user.passwordHash || !passwordMatches) {
    await db.insert(signInFailures).values({ email: input.email, ipAddress, createdAt: now });
    // Old rows are useless to the limiter; dropping them here keeps the table small.
    await db
      .delete(signInFailures)
      .where(lt(signInFailures.createdAt, new Date(now.getTime() - 24 * 3600_000)));
    throw new UnauthorizedError(WRONG_CREDENTIALS_MESSAGE);
  }
  if (!user.isActive) throw new UnauthorizedError(DEACTIVATED_MESSAGE);

  await db.delete(signInFailures).where(eq(signInFailures.email, input.email));
  await db.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
  const session = await createSession(db, { userId: user.id, ipAddress, userAgent: input.userAgent }, now);
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: session.id };
}
