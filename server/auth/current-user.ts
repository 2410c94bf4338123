// The signed-in user for server components and pages, and the guards pages use.
import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/server/db";
import { getUserFromHeaders } from "./request-user";
import { hasRole, type Role } from "./roles";
import type { SessionUser } from "./session-user";

export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  // headers() first: it marks the page dynamic before anything touches the database.
  const requestHeaders = await headers();
  return getUserFromHeaders(await getDb(), requestHeaders);
});

/** Sends anonymous visitors to sign in, and back to `returnTo` afterwards. */
export async function requireUser(returnTo: string): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}

/** For pages that need a role: the user, and whether their role is enough. */
export async function requireRole(role: Role, returnTo: string) {
  const user = await requireUser(returnTo);
  return { user, isAllowed: hasRole(user.role, role) };
}
