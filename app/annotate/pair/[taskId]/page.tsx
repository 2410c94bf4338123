import type { Metadata } from "next";
import Link from "next/link";
import { PairTaskView } from "./pair-task-view";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Rate this pair" };

export default async function PairTaskPage({ params }: { params: Promise<{ taskId: string }> }) {
  const { taskId } = await params;
  await requireUser(`/annotate/pair/${taskId}`);
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/annotate/pair" className="text-indigo-700 hover:underline">
          ← Rate pairs
        </Link>
      </div>
      <PairTaskView taskId={taskId} />
    </>
  );
}
