import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "../../_components/forbidden";
import { Alert, Button, Card, PageHeader, SelectField, TextField } from "../../_components/ui";
import { getServerCaller } from "@/server/api/server-caller";
import { requireRole } from "@/server/auth/current-user";
import { AUDIT_ACTIONS, type AuditAction } from "@/server/services/audit/record-audit";

export const metadata: Metadata = { title: "Audit log" };

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
    single(params.action) && !filters.action
      ? "That action is not one the log records; showing every action."
      : null,
    (single(params.from) && !filters.from) || (single(params.to) && !filters.to)
      ? "Dates must look like 2025-01-31; the date filter was left out."
      : null,
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
      <PageHeader title="Audit log" description="Every administrative and review action, newest first." />
      <Card>
        <form
          method="get"
          className="mb-4 grid gap-4 sm:grid-cols-[2fr_2fr_1fr_1fr_auto] sm:items-end"
          aria-label="Filter the audit log"
        >
          <TextField
            id="audit-actor"
            name="actor"
            label="Actor email contains"
            defaultValue={filters.actor}
            maxLength={254}
          />
          <SelectField id="audit-action" name="action" label="Action" defaultValue={filters.action}>
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </SelectField>
          <TextField id="audit-from" name="from" label="From" type="date" defaultValue={filters.from} />
          <TextField id="audit-to" name="to" label="To" type="date" defaultValue={filters.to} />
          <div className="flex gap-2">
            <Button type="submit">Filter</Button>
            <Link
              href="/admin/audit"
              className="rounded-md px-3 py-2 text-sm font-semibold text-slate-700 ring-1 ring-inset ring-slate-300"
            >
              Clear
            </Link>
          </div>
        </form>
        {problems.length > 0 && (
          <div className="mb-4">
            <Alert>{problems.join(" ")}</Alert>
          </div>
        )}
        <p className="mb-2 text-sm text-slate-600">
          {log.total.toLocaleString("en-US")} entr{log.total === 1 ? "y" : "ies"}
        </p>
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Audit log</caption>
            <thead>
              <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pr-4">
                  When
                </th>
                <th scope="col" className="py-2 pr-4">
                  Who
                </th>
                <th scope="col" className="py-2 pr-4">
                  Action
                </th>
                <th scope="col" className="py-2">
                  Details
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {log.items.map((entry) => (
                <tr key={entry.id}>
                  <td className="py-2 pr-4 whitespace-nowrap text-slate-600">
                    <time dateTime={entry.createdAt.toISOString()}>
                      {entry.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC
                    </time>
                  </td>
                  <td className="py-2 pr-4">{entry.actorEmail ?? "Arbiter"}</td>
                  <td className="py-2 pr-4 font-mono text-xs">{entry.action}</td>
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
                    Nothing matches.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {log.pageCount > 1 && (
          <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm">
            {page > 1 ? (
              <Link href={query(page - 1)} className="font-semibold text-indigo-700">
                Newer
              </Link>
            ) : (
              <span />
            )}
            <span className="text-slate-600">
              Page {log.page} of {log.pageCount}
            </span>
            {page < log.pageCount ? (
              <Link href={query(page + 1)} className="font-semibold text-indigo-700">
                Older
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
