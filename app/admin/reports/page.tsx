import type { Metadata } from "next";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { ReportedTurns } from "./reported-turns";
import { requireRole } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Reported turns" };

export default async function ReportsPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/reports");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  return (
    <>
      <PageHeader
        title="Reported turns"
        description="Turns annotators reported instead of judging: empty, broken or failed responses. They produce no training data. Test the variant, fix or deactivate it on the campaign page, and reply so the annotator knows."
      />
      <ReportedTurns />
    </>
  );
}
