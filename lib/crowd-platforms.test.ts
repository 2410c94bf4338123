import { describe, expect, it } from "vitest";
import {
  isMturkPreview,
  mturkSubmitHost,
  prolificCompletionUrl,
  readParticipantQuery,
} from "./crowd-platforms";

describe("study link queries", () => {
  it("reads Prolific's and MTurk's participant parameters", () => {
    expect(
      readParticipantQuery("prolific", { PROLIFIC_PID: "p1", STUDY_ID: "s1", SESSION_ID: "x1" }),
    ).toEqual({
      participantId: "p1",
      studyId: "s1",
      sessionId: "x1",
    });
    expect(
      readParticipantQuery("mturk", {
        workerId: "W1",
        hitId: "H1",
        assignmentId: "A1",
        turkSubmitTo: "https://www.mturk.com",
      }),
    ).toEqual({ participantId: "W1", studyId: "H1", sessionId: "A1", submitTo: "https://www.mturk.com" });
    expect(readParticipantQuery("prolific", { workerId: "W1" })).toBeNull();
  });

  it("knows MTurk's preview, its two submit hosts and Prolific's completion URL", () => {
    expect(isMturkPreview("mturk", { assignmentId: "ASSIGNMENT_ID_NOT_AVAILABLE", hitId: "H1" })).toBe(true);
    expect(isMturkPreview("mturk", { assignmentId: "A1" })).toBe(false);
    expect(isMturkPreview("prolific", { assignmentId: "ASSIGNMENT_ID_NOT_AVAILABLE" })).toBe(false);
    expect(mturkSubmitHost("https://www.mturk.com/")).toBe("https://www.mturk.com");
    expect(mturkSubmitHost("https://workersandbox.mturk.com")).toBe("https://workersandbox.mturk.com");
    expect(mturkSubmitHost("https://www.mturk.com.evil.example")).toBeNull();
    expect(prolificCompletionUrl("C1 2")).toBe("https://app.prolific.com/submissions/complete?cc=C1%202");
  });
});
