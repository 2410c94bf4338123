// Roles and what they allow. Roles are ordered: a reviewer can do what an annotator can, an
// admin what a reviewer can.
import "server-only";
import { ROLES, type Role } from "@/db/schema";

export { ROLES, type Role };

/** The access level a tRPC procedure or page requires. */
export type Access = "public" | "authed" | Role;

const RANK: Record<Role, number> = { annotator: 1, reviewer: 2, admin: 3 };

export const ROLE_LABELS: Record<Role, string> = {
  annotator: "Annotator",
  reviewer: "Reviewer",
  admin: "Admin",
};

export function hasRole(userRole: Role, required: Role): boolean {
  return RANK[userRole] >= RANK[required];
}

export type AccessDecision = "allowed" | "unauthenticated" | "forbidden";

export function decideAccess(user: { role: Role } | null, access: Access): AccessDecision {
  if (access === "public") return "allowed";
  if (!user) return "unauthenticated";
  if (access === "authed") return "allowed";
  return hasRole(user.role, access) ? "allowed" : "forbidden";
}

export function forbiddenMessage(required: Role, actual: Role) {
  return (
    `This needs the ${ROLE_LABELS[required].toLowerCase()} role and your account is ` +
    `${ROLE_LABELS[actual].toLowerCase()}. Ask an admin if you need access.`
  );
}
