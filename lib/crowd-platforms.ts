// What Prolific and MTurk put in a study link's query, and where each expects its participants
// back. Shared by the participant pages and the server, which validates what the page passes on.
import type { CrowdPlatform } from "./constants";

/** MTurk's assignmentId while a worker previews a HIT they have not accepted. */
export const MTURK_PREVIEW_ASSIGNMENT = "ASSIGNMENT_ID_NOT_AVAILABLE";

/** MTurk's two hosts for turkSubmitTo; the completion form is posted to nowhere else. */
export const MTURK_SUBMIT_HOSTS = ["https://www.mturk.com", "https://workersandbox.mturk.com"] as const;

export const PLATFORM_NAMES: Record<CrowdPlatform, string> = { prolific: "Prolific", mturk: "MTurk" };

export interface ParticipantVisit {
  participantId: string;
  studyId?: string;
  sessionId?: string;
  /** MTurk's turkSubmitTo. */
  submitTo?: string;
}

type Query = Record<string, string | string[] | undefined>;
const first = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value) || undefined;

/** The participant the platform named in the link's query, or null when it named none. */
export function readParticipantQuery(platform: CrowdPlatform, query: Query): ParticipantVisit | null {
  const visit =
    platform === "prolific"
      ? {
          participantId: first(query.PROLIFIC_PID),
          studyId: first(query.STUDY_ID),
          sessionId: first(query.SESSION_ID),
        }
      : {
          participantId: first(query.workerId),
          studyId: first(query.hitId),
          sessionId: first(query.assignmentId),
          submitTo: first(query.turkSubmitTo),
        };
  return visit.participantId ? { ...visit, participantId: visit.participantId } : null;
}

/** MTurk shows the task in preview before a worker accepts: describe it, start nothing. */
export function isMturkPreview(platform: CrowdPlatform, query: Query) {
  return platform === "mturk" && first(query.assignmentId) === MTURK_PREVIEW_ASSIGNMENT;
}

/** turkSubmitTo when it is one of MTurk's hosts (with or without a trailing slash), else null. */
export function mturkSubmitHost(submitTo: string | null | undefined) {
  const host = submitTo?.replace(/\/+$/, "");
  return MTURK_SUBMIT_HOSTS.find((allowed) => allowed === host) ?? null;
}

/** Prolific's completion URL for a study's completion code. */
export function prolificCompletionUrl(code: string) {
  return `https://app.prolific.com/submissions/complete?cc=${encodeURIComponent(code)}`;
}
