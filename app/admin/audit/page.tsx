import type { Metadata } from "next";
import Link from "next/link";
import { getFormatter, getTranslations } from "next-intl/server";
import { Forbidden } from "../../_components/forbidden";
import { Alert, Button, Card, PageHeader, SelectField, TextField } from "../../_components/ui";
import { getServerCaller } from "@/server/api/server-caller";
import { requireRole } from "@/server/auth/current-user";
import { AUDIT_ACTIONS, type AuditAction } from "@/server/services/audit/record-audit";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("AdminAudit"))("title") };
}

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function describeDetails(details: Record<string, unknown>) {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}

function single(value: string | string[] | undefined) {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

const isDay = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text));

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const { user, isAllowed } = await requireRole("admin", "/admin/audit");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  const t = await getTranslations("AdminAudit");
  const pager = await getTranslations("Pager");
  const format = await getFormatter();
  const params = await searchParams;
  const requestedPage = Number(single(params.page) || "1");
  const page = Number.isInteger(requestedPage) && requestedPage > 0 ? requestedPage : 1;
  const requestedAction = single(params.action);
  const action = AUDIT_ACTIONS.find((known): known is AuditAction => known === requestedAction);
  const filters = {
    actor: single(params.actor),
    action: action ?? "",
    from: isDay(single(params.from)) ? single(params.from) : "",
    to: isDay(single(params.to)) ? single(params.to) : "",
  };
  const problems = [
    single(params.action) && !filters.action ? t("unknownAction") : null,
    (single(params.from) && !filters.from) || (single(params.to) && !filters.to) ? t("badDate") : null,
  ].filter(Boolean);
  // "To" is inclusive on the page: the service's end is exclusive, so add a day.
  const toExclusive = filters.to ? new Date(Date.parse(filters.to) + 24 * 60 * 60 * 1000) : undefined;
  const log = await (
    await getServerCaller()
  ).audit.list({
    page,
    pageSize: 50,
    actor: filters.actor || undefined,
    action,
    from: filters.from ? new Date(filters.from) : undefined,
    to: toExclusive,
  });
  const query = (nextPage: number) =>
    `?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value)), page: String(nextPage) })}`;

  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <Card>
        <form
          method="get"
          className="mb-4 grid gap-4 sm:grid-cols-[2fr_2fr_1fr_1fr_auto] sm:items-end"
          aria-label={t("filterForm")}
        >
          <TextField
            id="audit-actor"
            name="actor"
            label={t("actor")}
            defaultValue={filters.actor}
            maxLength={254}
          />
          <SelectField id="audit-action" name="action" label={t("action")} defaultValue={filters.action}>
            <option value="">{t("anyAction")}</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </SelectField>
          <TextField id="audit-from" name="from" label={t("from")} type="date" defaultValue={filters.from} />
          <TextField id="audit-to" name="to" label={t("to")} type="date" defaultValue={filters.to} />
          <div className="flex gap-2">
            <Button type="submit">{t("filter")}</Button>
            <Link
              href="/admin/audit"
              className="rounded-md px-3 py-2 text-sm font-semibold text-slate-700 ring-1 ring-inset ring-slate-300"
            >
              {t("clear")}
            </Link>
          </div>
        </form>
        {problems.length > 0 && (
          <div className="mb-4">
            <Alert>{problems.join(" ")}</Alert>
          </div>
        )}
        <p className="mb-2 text-sm text-slate-600">{t("entries", { count: log.total })}</p>
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">{t("title")}</caption>
            <thead>
              <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pe-4">
                  {t("when")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("who")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("action")}
                </th>
                <th scope="col" className="py-2">
                  {t("details")}
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {log.items.map((entry) => (
                <tr key={entry.id}>
                  <td className="py-2 pe-4 whitespace-nowrap text-slate-600">
                    <time dateTime={entry.createdAt.toISOString()}>
                      {format.dateTime(entry.createdAt, { dateStyle: "medium", timeStyle: "medium" })} UTC
                    </time>
                  </td>
                  <td className="py-2 pe-4">{entry.actorEmail ?? "Arbiter"}</td>
                  {/* Action names are the log's identifiers (filters and API use them), not words. */}
                  <td className="py-2 pe-4 font-mono text-xs">{entry.action}</td>
                  <td className="py-2 text-slate-700">
                    {entry.targetName && <span className="font-medium">{entry.targetName}</span>}
                    {entry.targetName && Object.keys(entry.details).length > 0 && " · "}
                    {describeDetails(entry.details)}
                  </td>
                </tr>
              ))}
              {log.items.length === 0 && (
                <tr>
                  <td colSpan={4} className="py-6 text-center text-slate-500">
                    {t("nothing")}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {log.pageCount > 1 && (
          <nav aria-label={pager("pages")} className="mt-4 flex items-center justify-between text-sm">
            {page > 1 ? (
              <Link href={query(page - 1)} className="font-semibold text-indigo-700">
                {t("newer")}
              </Link>
            ) : (
              <span />
            )}
            <span className="text-slate-600">
              {pager("pageOf", { page: log.page, count: log.pageCount })}
            </span>
            {page < log.pageCount ? (
              <Link href={query(page + 1)} className="font-semibold text-indigo-700">
                {t("older")}
              </Link>
            ) : (
              <span />
            )}
          </nav>
        )}
      </Card>
    </>
  );
}
