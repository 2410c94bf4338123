import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "../../_components/forbidden";
import { Card, PageHeader } from "../../_components/ui";
import { getServerCaller } from "@/server/api/server-caller";
import { requireRole } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Audit log" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function describeDetails(details: Record<string, unknown>) {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const { user, isAllowed } = await requireRole("admin", "/admin/audit");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  const requestedPage = Number((await searchParams).page ?? "1");
  const page = Number.isInteger(requestedPage) && requestedPage > 0 ? requestedPage : 1;
  const log = await (await getServerCaller()).audit.list({ page, pageSize: 50 });

  return (
    <>
      <PageHeader title="Audit log" description="Every administrative action, newest first." />
      <Card>
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
                  <td className="py-2 text-slate-700">{describeDetails(entry.details)}</td>
                </tr>
              ))}
              {log.items.length === 0 && (
                <tr>
                  <td colSpan={4} className="py-6 text-center text-slate-500">
                    Nothing has been recorded yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        {log.pageCount > 1 && (
          <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm">
            {page > 1 ? (
              <Link href={`?page=${page - 1}`} className="font-semibold text-indigo-700">
                Newer
              </Link>
            ) : (
              <span />
            )}
            <span className="text-slate-600">
              Page {log.page} of {log.pageCount}
            </span>
            {page < log.pageCount ? (
              <Link href={`?page=${page + 1}`} className="font-semibold text-indigo-700">
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
