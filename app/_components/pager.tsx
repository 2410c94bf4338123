"use client";
// Previous / next for a paginated list.
import { useTranslations } from "next-intl";
import { Button } from "./ui";

export function Pager({
  page,
  pageCount,
  onPage,
  label,
  previous,
  next,
}: {
  page: number;
  pageCount: number;
  onPage: (page: number) => void;
  label?: string;
  /** Button texts; a newest-first list says "Newer" / "Older". */
  previous?: string;
  next?: string;
}) {
  const t = useTranslations("Pager");
  if (pageCount <= 1) return null;
  return (
    <nav aria-label={label ?? t("pages")} className="mt-4 flex items-center justify-between text-sm">
      <Button variant="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {previous ?? t("previous")}
      </Button>
      <span className="text-slate-600">{t("pageOf", { page, count: pageCount })}</span>
      <Button variant="secondary" disabled={page >= pageCount} onClick={() => onPage(page + 1)}>
        {next ?? t("next")}
      </Button>
    </nav>
  );
}
