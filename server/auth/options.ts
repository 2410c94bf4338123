// next-auth configuration: email + password, JWT sessions that carry the user id, role and a
// revocable session id.
import "server-only";
import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { Db } from "@/db/client";
import { getDb } from "@/server/db";
import { isDomainError } from "@/server/errors";
import { log } from "@/server/log";
import { revokeSession, SESSION_MAX_AGE_SECONDS } from "./sessions";
import { signIn } from "./sign-in";
import { clientAddress, isHttpsRequest } from "./request-origin";
import { getAuthSecret } from "./secret";

/** The credentials provider's check, given the request's headers as next-auth passes them. */
export async function authorizeCredentials(
  db: Db,
  credentials: Record<string, string> | undefined,
  headers: Record<string, string | string[] | undefined>,
) {
  try {
    const user = await signIn(db, {
      email: String(credentials?.email ?? ""),
      password: String(credentials?.password ?? ""),
      ipAddress: clientAddress(headers),
      userAgent: [headers["user-agent"]].flat()[0] ?? null,
    });
    return { ...user, id: user.id };
  } catch (error) {
    // next-auth hands the message to the sign-in form.
    if (isDomainError(error)) throw new Error(error.message);
    log.error("Sign-in failed unexpectedly", error);
    throw new Error("Signing in failed because of a server problem. Try again in a minute.");
  }
}

/** `requestHeaders`: the request being served, which decides whether cookies are Secure. */
export function getAuthOptions(requestHeaders: Headers): AuthOptions {
  return {
    secret: getAuthSecret(),
    useSecureCookies: isHttpsRequest(requestHeaders),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/sign-in", signOut: "/sign-out", error: "/sign-in" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(credentials, request) {
          return authorizeCredentials(await getDb(), credentials, request?.headers ?? {});
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.sid = user.sessionId;
          token.role = user.role;
        }
        return token;
      },
      session({ session, token }) {
        session.user = {
          id: token.sub ?? "",
          email: token.email ?? "",
          name: token.name ?? "",
          role: token.role ?? "annotator",
        };
        return session;
      },
    },
    events: {
      async signOut({ token }) {
        if (token?.sid) await revokeSession(await getDb(), token.sid);
      },
    },
    logger: {
      error: (code, metadata) => log.error(`next-auth ${code}`, metadata),
      // NEXTAUTH_URL is optional here: every flow uses relative URLs.
      warn: (code) => code !== "NEXTAUTH_URL" && log.warn(`next-auth ${code}`),
      debug: () => {},
    },
  };
}
