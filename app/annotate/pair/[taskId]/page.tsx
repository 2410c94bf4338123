import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { PairTaskView } from "./pair-task-view";
import { requireUser } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Pairs"))("taskTitle") };
}

export default async function PairTaskPage({ params }: { params: Promise<{ taskId: string }> }) {
  const { taskId } = await params;
  await requireUser(`/annotate/pair/${taskId}`);
  const t = await getTranslations("Pairs");
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/annotate/pair" className="text-indigo-700 hover:underline">
          {t("back")}
        </Link>
      </div>
      <PairTaskView taskId={taskId} />
    </>
  );
}
