// Shapes shared by the user services: how emails and names are validated, and the view of a
// user that leaves the server (never the password hash).
import { z } from "zod";
import type { User } from "@/db/schema";

export const EmailSchema = z
  .string({ message: "Enter an email address." })
  .trim()
  .toLowerCase()
  .max(254, "Email must be at most 254 characters long.")
  .pipe(z.email("Enter a valid email address, like name@example.com."));

export const NameSchema = z.string().trim().max(100, "Name must be at most 100 characters long.");

export type UserStatus = "active" | "invited" | "deactivated";

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: User["role"];
  status: UserStatus;
  createdAt: Date;
  lastSignInAt: Date | null;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    // Single sign-on accounts have no password: having signed in makes them active too.
    status: !user.isActive ? "deactivated" : user.passwordHash || user.lastSignInAt ? "active" : "invited",
    createdAt: user.createdAt,
    lastSignInAt: user.lastSignInAt,
  };
}

/** True for PostgreSQL's unique_violation, whichever driver raised it. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    if ((current as { code?: unknown }).code === "23505") return true;
  }
  return false;
}
