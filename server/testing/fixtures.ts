// Test fixtures: users of each role, signed in (with a live session) unless asked otherwise.
import crypto from "node:crypto";
import type { Db } from "@/db/client";
import { users, type Role, type User } from "@/db/schema";
import { hashPassword } from "@/server/auth/password";
import type { SessionUser } from "@/server/auth/session-user";
import { createSession } from "@/server/auth/sessions";

export interface CreateUserOptions {
  role?: Role;
  email?: string;
  name?: string;
  /** null: an invited user who has not set a password yet. */
  password?: string | null;
  isActive?: boolean;
}

export interface TestUser {
  user: User;
  password: string | null;
  /** The user as a signed-in request sees them (a session row exists). */
  actor: SessionUser;
}

export async function createUser(db: Db, options: CreateUserOptions = {}): Promise<TestUser> {
  const role = options.role ?? "annotator";
  const password =
    options.password === undefined ? `pw-${crypto.randomBytes(8).toString("hex")}` : options.password;
  const [user] = await db
    .insert(users)
    .values({
      email: options.email ?? `${role}-${crypto.randomBytes(5).toString("hex")}@example.test`,
      name: options.name ?? `Test ${role}`,
      role,
      passwordHash: password === null ? null : await hashPassword(password),
      isActive: options.isActive ?? true,
    })
    .returning();
  const session = await createSession(db, { userId: user.id, ipAddress: "127.0.0.1", userAgent: "vitest" });
  return {
    user,
    password,
    actor: { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: session.id },
  };
}

export const createAdmin = (db: Db, options: Omit<CreateUserOptions, "role"> = {}) =>
  createUser(db, { ...options, role: "admin" });
export const createReviewer = (db: Db, options: Omit<CreateUserOptions, "role"> = {}) =>
  createUser(db, { ...options, role: "reviewer" });
export const createAnnotator = (db: Db, options: Omit<CreateUserOptions, "role"> = {}) =>
  createUser(db, { ...options, role: "annotator" });
