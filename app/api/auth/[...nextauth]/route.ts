// next-auth's endpoints (/api/auth/*). Options are built per request so nothing is read at build time.
// next-auth reads the body itself, with no limit: it gets a copy read here within one.
import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { KB, PayloadTooLargeError, withBufferedBody } from "@/server/api/body-limit";
import { problem } from "@/server/api/route-handler";
import { getAuthOptions } from "@/server/auth/options";

/** A sign-in form (email, password, CSRF token, callback URL) is well under 1 KB. */
const MAX_AUTH_BODY_BYTES = 64 * KB;

type RouteContext = { params: Promise<{ nextauth: string[] }> };

async function handler(received: NextRequest, context: RouteContext) {
  let request: NextRequest;
  try {
    request = await withBufferedBody(
      received,
      MAX_AUTH_BODY_BYTES,
      (init) => new NextRequest(received.url, init),
    );
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return problem(413, "payload_too_large", error.message);
    throw error;
  }
  return NextAuth(request as never, context as never, getAuthOptions(request.headers));
}

export { handler as GET, handler as POST };
