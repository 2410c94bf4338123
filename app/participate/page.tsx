import type { Metadata } from "next";
import { Alert } from "../_components/ui";
import { StudyProgress } from "./study-progress";
import { getServerCaller } from "@/server/api/server-caller";
import { requireUser } from "@/server/auth/current-user";
import { NOT_A_PARTICIPANT } from "@/server/services/crowd/participation";

export const metadata: Metadata = { title: "Your study" };

/** A crowd participant's study: the comprehension check, then work, then the completion code. */
export default async function ParticipationPage() {
  await requireUser("/participate");
  const caller = await getServerCaller();
  const participation = await caller.crowd.participation();
  return (
    <div className="mx-auto mt-8 max-w-xl space-y-4">
      {participation ? <StudyProgress initial={participation} /> : <Alert>{NOT_A_PARTICIPANT}</Alert>}
    </div>
  );
}
