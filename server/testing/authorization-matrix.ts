// Walks every procedure of a router and calls it as each kind of user, comparing who gets in
// with the access level the procedure declares in its meta. Used by the authorization test.
import { TRPCError, type AnyTRPCRouter } from "@trpc/server";
import type { Access } from "@/server/auth/roles";
import type { Context } from "@/server/api/trpc";

export const IDENTITIES = ["anonymous", "deactivated", "annotator", "reviewer", "admin"] as const;
export type Identity = (typeof IDENTITIES)[number];

/** Written out rather than derived from the code under test, so a bug there cannot hide here. */
export const ADMITTED: Record<Access, readonly Identity[]> = {
  public: ["anonymous", "deactivated", "annotator", "reviewer", "admin"],
  authed: ["annotator", "reviewer", "admin"],
  annotator: ["annotator", "reviewer", "admin"],
  reviewer: ["reviewer", "admin"],
  admin: ["admin"],
};

export interface ProcedureEntry {
  path: string;
  type: "query" | "mutation" | "subscription";
  role: Access | undefined;
}

export function listProcedures(router: AnyTRPCRouter): ProcedureEntry[] {
  const procedures = router._def.procedures as Record<
    string,
    { _def: { type: ProcedureEntry["type"]; meta?: { role?: Access } } }
  >;
  return Object.entries(procedures)
    .map(([path, procedure]) => ({ path, type: procedure._def.type, role: procedure._def.meta?.role }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

export type Outcome = "admitted" | "unauthorized" | "forbidden";

type Caller = Record<string, unknown>;

export async function callAs(caller: Caller, path: string): Promise<Outcome> {
  const procedure = path.split(".").reduce<unknown>((node, key) => (node as Caller)[key], caller);
  try {
    // No input: the role check runs before input validation, so a refused call fails on the
    // role, and an admitted one fails on the input (or succeeds) — either way it got in.
    await (procedure as (input?: unknown) => Promise<unknown>)(undefined);
    return "admitted";
  } catch (error) {
    if (error instanceof TRPCError && error.code === "UNAUTHORIZED") return "unauthorized";
    if (error instanceof TRPCError && error.code === "FORBIDDEN") return "forbidden";
    return "admitted";
  }
}

/** Problems found for one procedure; empty when it admits exactly whom its role says. */
export async function checkProcedure(
  entry: ProcedureEntry,
  createCaller: (context: Context) => Caller,
  contexts: Record<Identity, Context>,
): Promise<string[]> {
  if (!entry.role) {
    return [
      `${entry.path} declares no role: build it from publicProcedure, authedProcedure, annotatorProcedure, reviewerProcedure or adminProcedure`,
    ];
  }
  const problems: string[] = [];
  for (const identity of IDENTITIES) {
    const outcome = await callAs(createCaller(contexts[identity]), entry.path);
    const shouldAdmit = ADMITTED[entry.role].includes(identity);
    const expected: Outcome = shouldAdmit
      ? "admitted"
      : contexts[identity].user === null
        ? "unauthorized"
        : "forbidden";
    if (outcome !== expected) {
      problems.push(
        `${entry.path} (role ${entry.role}) as ${identity}: expected ${expected}, got ${outcome}`,
      );
    }
  }
  return problems;
}
