// First start: when no admin exists, create one from ARBITER_ADMIN_EMAIL/PASSWORD, or with a
// generated password that the caller prints once. Without ARBITER_ADMIN_EMAIL the address is
// admin@localhost in development, and in production a random one (admin-…@arbiter.invalid):
// a well-known address would hand attackers half of the admin's credentials.
import crypto from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { hashPassword } from "@/server/auth/password";
import { recordAudit } from "../audit/record-audit";

const DEFAULT_ADMIN_EMAIL = "admin@localhost";

export type EnsureInitialAdminResult =
  { created: false } | { created: true; email: string; generatedPassword: string | null };

export async function ensureInitialAdmin(
  db: Db,
  config: { email?: string; password?: string; isProduction?: boolean },
): Promise<EnsureInitialAdminResult> {
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.role, "admin")).limit(1);
  if (existing) return { created: false };

  const defaultEmail = config.isProduction
    ? `admin-${crypto.randomBytes(6).toString("hex")}@arbiter.invalid`
    : DEFAULT_ADMIN_EMAIL;
  const email = (config.email ?? defaultEmail).trim().toLowerCase();
  const generatedPassword = config.password ? null : crypto.randomBytes(15).toString("base64url");
  const passwordHash = await hashPassword(config.password ?? generatedPassword!);

  return db.transaction(async (tx) => {
    // Taking a table lock makes two instances starting together on one PostgreSQL create one admin.
    await tx.execute(sql`lock table users in share row exclusive mode`);
    const [again] = await tx.select({ id: users.id }).from(users).where(eq(users.role, "admin")).limit(1);
    if (again) return { created: false } as const;
    const [admin] = await tx
      .insert(users)
      .values({ email, name: "Administrator", role: "admin", passwordHash })
      .onConflictDoUpdate({
        // An existing non-admin account with that email is promoted and given the password.
        target: users.email,
        set: { role: "admin", passwordHash, isActive: true, deactivatedAt: null, updatedAt: new Date() },
      })
      .returning();
    await recordAudit(tx, {
      actorId: null,
      action: "user.seeded_admin",
      targetType: "user",
      targetId: admin.id,
      details: { email, passwordSource: generatedPassword ? "generated" : "ARBITER_ADMIN_PASSWORD" },
    });
    return { created: true, email, generatedPassword } as const;
  });
}
