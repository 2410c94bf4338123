"use client";
// Above a crowd participant's workspace: how many comparisons the study asks and how many are
// done; once they are, the completion page opens.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect } from "react";
import { useTRPC } from "../_lib/trpc";
import type { Participation } from "./study-progress";

/** Submits happen in the workspace beside this bar; it looks again this often. */
const POLL_MS = 4000;

export function ParticipantBar({ initial }: { initial: Participation }) {
  const t = useTranslations("ParticipantBar");
  const trpc = useTRPC();
  const router = useRouter();
  const query = useQuery({
    ...trpc.crowd.participation.queryOptions(),
    initialData: initial,
    refetchInterval: POLL_MS,
  });
  const participation = query.data ?? initial;
  const isDone = participation.state !== "working";
  useEffect(() => {
    if (isDone) router.push("/participate");
  }, [isDone, router]);
  return (
    <div
      role="status"
      aria-label={t("label")}
      className="mb-4 flex flex-wrap items-center justify-between gap-2 rounded-md border border-indigo-200 bg-indigo-50 px-4 py-2 text-sm text-indigo-900"
    >
      <span>
        {t("progress", { done: participation.comparisonsDone, required: participation.requiredComparisons })}
      </span>
      <Link href="/participate" className="font-semibold hover:underline">
        {t("yourStudy")}
      </Link>
    </div>
  );
}
