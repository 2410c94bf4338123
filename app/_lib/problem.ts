// The message of an error answer from Arbiter's route handlers, which all answer
// { error: { code, message } } (server/api/route-handler.ts), for pages that call them with fetch.
import type { Problem } from "@/server/api/route-handler";

export async function problemMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as Partial<Problem> | null;
  return body?.error?.message ?? `The server answered ${response.status}. Try again in a moment.`;
}
