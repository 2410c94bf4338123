// The users page: everyone, newest first, optionally filtered by email or name.
import { count, desc, ilike, or } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { containsPattern, offsetOf, PageInput, toPage } from "../pagination";
import { toUserView } from "./user-schemas";

export const ListUsersInput = PageInput.extend({
  search: z.string().trim().max(254, "Search text must be at most 254 characters long.").optional(),
});
export type ListUsersInput = z.input<typeof ListUsersInput>;

export async function listUsers(db: Db, rawInput: ListUsersInput) {
  const input = ListUsersInput.parse(rawInput);
  const pattern = input.search ? containsPattern(input.search) : null;
  const where = pattern ? or(ilike(users.email, pattern), ilike(users.name, pattern)) : undefined;
  const rows = await db
    .select()
    .from(users)
    .where(where)
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(users).where(where);
  return toPage(rows.map(toUserView), total, input);
}
