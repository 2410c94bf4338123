// Every list is paginated the same way.
import { z } from "zod";

export const PageInput = z.object({
  page: z.number().int().min(1, "Page numbers start at 1.").default(1),
  pageSize: z.number().int().min(1).max(100, "At most 100 items fit on one page.").default(25),
});
export type PageInput = z.infer<typeof PageInput>;

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  pageCount: number;
}

export function toPage<T>(items: T[], total: number, input: PageInput): Page<T> {
  return {
    items,
    page: input.page,
    pageSize: input.pageSize,
    total,
    pageCount: Math.max(1, Math.ceil(total / input.pageSize)),
  };
}

/** The ILIKE pattern of a list's search box: `search` anywhere, its `%` and `_` taken literally. */
export function containsPattern(search: string) {
  return `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

export function offsetOf(input: PageInput) {
  return (input.page - 1) * input.pageSize;
}
