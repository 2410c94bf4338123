// Which named message (lib/server-errors.ts) a failed tRPC call carries beside its English one:
// a service's own name for it, or the tRPC layer's for the errors every procedure can give. zod's
// refusals keep their English detail (`message`, which names the fields) inside the named frame.
import type { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { isDomainError } from "@/server/errors";
import type { ServerErrorMessage } from "@/lib/server-errors";

export function namedMessageOf(error: TRPCError, message: string): ServerErrorMessage | null {
  if (isDomainError(error.cause) && error.cause.named) return error.cause.named;
  if (error.cause instanceof ZodError) return { key: "invalidInput", values: { details: message } };
  if (error.code === "INTERNAL_SERVER_ERROR") return { key: "serverError" };
  return null;
}
