// The message of an error answer from Arbiter's route handlers, which all answer
// { error: { code, message, named? } } (server/api/route-handler.ts), for pages that call them
// with fetch.
import type { Problem } from "@/server/api/route-handler";
import { namedOf, type Failure } from "./error-text";

export async function problemFailure(response: Response): Promise<Failure> {
  const body = (await response.json().catch(() => null)) as Partial<Problem> | null;
  if (!body?.error?.message) {
    return {
      message: `The server answered ${response.status}. Try again in a moment.`,
      named: { key: "offline" },
    };
  }
  return { message: body.error.message, named: namedOf(body.error.named) };
}

export async function problemMessage(response: Response): Promise<string> {
  return (await problemFailure(response)).message;
}
