// Failed calls name their message for the pages that translate it: a service's own name passes
// through, zod's refusals and server faults get the tRPC layer's, anything else stays unnamed.
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConflictError, ForbiddenError, TooManyRequestsError } from "@/server/errors";
import { namedMessageOf } from "./error-message-key";

const failed = (code: TRPCError["code"], cause?: unknown) =>
  new TRPCError({ code, message: "English.", cause });

describe("namedMessageOf", () => {
  it("passes on the name and values a service gave its error", () => {
    const cause = new TooManyRequestsError("You have sent 3 prompts…", {
      key: "turnLimit",
      values: { count: 3, window: "hour", campaign: "Helpful", at: 0, unit: "minutes", wait: 12 },
    });
    expect(namedMessageOf(failed("TOO_MANY_REQUESTS", cause), cause.message)).toEqual(cause.named);
  });

  it("names zod's refusals (their English detail inside) and server faults", () => {
    const zodError = z.object({ name: z.string() }).safeParse({}).error;
    expect(namedMessageOf(failed("BAD_REQUEST", zodError), "name: Invalid input.")).toEqual({
      key: "invalidInput",
      values: { details: "name: Invalid input." },
    });
    expect(namedMessageOf(failed("INTERNAL_SERVER_ERROR", new Error("boom")), "Something…")).toEqual({
      key: "serverError",
    });
  });

  it("leaves an error without a name unnamed, so pages show its English sentence", () => {
    const conflict = new ConflictError("This turn is already a gold item.");
    expect(namedMessageOf(failed("CONFLICT", conflict), conflict.message)).toBeNull();
    expect(namedMessageOf(failed("FORBIDDEN", new ForbiddenError("No.")), "No.")).toBeNull();
    expect(namedMessageOf(failed("NOT_FOUND"), "English.")).toBeNull();
  });
});
