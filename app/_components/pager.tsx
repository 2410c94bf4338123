"use client";
// Previous / next for a paginated list.
import { Button } from "./ui";

export function Pager({
  page,
  pageCount,
  onPage,
  label = "Pages",
  previous = "Previous",
  next = "Next",
}: {
  page: number;
  pageCount: number;
  onPage: (page: number) => void;
  label?: string;
  /** Button texts; a newest-first list says "Newer" / "Older". */
  previous?: string;
  next?: string;
}) {
  if (pageCount <= 1) return null;
  return (
    <nav aria-label={label} className="mt-4 flex items-center justify-between text-sm">
      <Button variant="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {previous}
      </Button>
      <span className="text-slate-600">
        Page {page} of {pageCount}
      </span>
      <Button variant="secondary" disabled={page >= pageCount} onClick={() => onPage(page + 1)}>
        {next}
      </Button>
    </nav>
  );
}
