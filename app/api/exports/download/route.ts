// Streams an export to an admin's browser: POST { id, output, options } (see
// server/services/exports/download-export.ts). Errors before the first byte come back as JSON.
import { ZodError } from "zod";
import { describeZodError } from "@/server/api/trpc";
import { getUserFromHeaders } from "@/server/auth/request-user";
import { hasRole } from "@/server/auth/roles";
import { getDb } from "@/server/db";
import { isDomainError, HTTP_STATUS_BY_KIND } from "@/server/errors";
import { startExportDownload } from "@/server/services/exports/download-export";
import { serverExportKey } from "@/server/services/exports/key";

export const dynamic = "force-dynamic";

const problem = (status: number, error: string) => Response.json({ error }, { status });

export async function POST(request: Request) {
  const db = await getDb();
  const user = await getUserFromHeaders(db, request.headers);
  if (!user) return problem(401, "You are not signed in, or your session has ended. Sign in and try again.");
  if (!hasRole(user.role, "admin")) return problem(403, "Exports need the admin role.");
  let input: unknown;
  try {
    input = await request.json();
  } catch {
    return problem(400, "Send the export request as JSON: { id, output, options }.");
  }
  try {
    const download = await startExportDownload(db, input as never, user, serverExportKey(), request.signal);
    return new Response(download.body, {
      headers: {
        "Content-Type": download.contentType,
        "Content-Disposition": `attachment; filename="${download.filename}"`,
        "Cache-Control": "no-store",
        "X-Export-Id": download.id,
      },
    });
  } catch (error) {
    if (error instanceof ZodError) return problem(400, describeZodError(error));
    if (isDomainError(error)) return problem(HTTP_STATUS_BY_KIND[error.kind], error.message);
    throw error;
  }
}
