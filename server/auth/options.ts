// next-auth configuration: email + password and/or the operator's OpenID Connect provider, JWT
// sessions that carry the user id, role and a revocable session id.
import "server-only";
import type { AuthOptions, User } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { ZodError } from "zod";
import type { Db } from "@/db/client";
import { getDb } from "@/server/db";
import { env, type Env } from "@/server/env";
import { describeZodError } from "@/server/api/trpc";
import { isDomainError } from "@/server/errors";
import { log } from "@/server/log";
import { revokeSession, SESSION_MAX_AGE_SECONDS } from "./sessions";
import { admitParticipant } from "@/server/services/crowd/admit-participant";
import { consumeRateLimit } from "@/server/services/rate-limits/consume-rate-limit";
import { signIn } from "./sign-in";
import { signInWithSso, type SsoClaims, SsoRefusedError } from "./sso-sign-in";
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

/** next-auth's id of the crowd-platform study link sign-in (server/services/crowd). */
export const CROWD_LINK_PROVIDER_ID = "crowd-link";

/** Sign-ins through study links each client address may start per minute. */
export const CROWD_LINK_SIGN_IN_LIMIT = { calls: 30, windowMs: 60_000 };

/** A study link's sign-in: the link's secret and the platform's participant ids, no password.
 * Counted per address first, so nobody can try secrets or ids at speed. */
export async function authorizeCrowdParticipant(
  db: Db,
  credentials: Record<string, string> | undefined,
  headers: Record<string, string | string[] | undefined>,
) {
  const ipAddress = clientAddress(headers);
  try {
    await consumeRateLimit(db, { key: `crowd-link:${ipAddress ?? "unknown"}`, ...CROWD_LINK_SIGN_IN_LIMIT });
    const optional = (name: string) => credentials?.[name] || undefined;
    return await admitParticipant(
      db,
      {
        token: String(credentials?.token ?? ""),
        participantId: String(credentials?.participantId ?? ""),
        studyId: optional("studyId"),
        sessionId: optional("sessionId"),
        submitTo: optional("submitTo"),
      },
      { ipAddress, userAgent: [headers["user-agent"]].flat()[0] ?? null },
    );
  } catch (error) {
    if (isDomainError(error)) throw new Error(error.message);
    if (error instanceof ZodError) throw new Error(describeZodError(error));
    log.error("Study link sign-in failed unexpectedly", error);
    throw new Error("Signing in failed because of a server problem. Try again in a minute.");
  }
}

/** next-auth's id of the single sign-on provider (its callback is /api/auth/callback/oidc). */
export const SSO_PROVIDER_ID = "oidc";

/** The operator's OpenID Connect provider, when ARBITER_OIDC_* configure one. */
export function ssoProvider(settings: Env = env): OAuthConfig<Record<string, unknown>> | null {
  const { ARBITER_OIDC_ISSUER: issuer, ARBITER_OIDC_CLIENT_ID: clientId } = settings;
  if (!issuer || !clientId || !settings.ARBITER_OIDC_CLIENT_SECRET) return null;
  return {
    id: SSO_PROVIDER_ID,
    name: settings.ARBITER_OIDC_NAME,
    type: "oauth",
    wellKnown: `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
    clientId,
    clientSecret: settings.ARBITER_OIDC_CLIENT_SECRET,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    // Placeholder identity: the signIn callback below replaces it with the Arbiter account.
    profile: (claims) => ({ id: String(claims.sub), role: "annotator", sessionId: "" }),
  };
}

/** Email and password sign-in, unless ARBITER_PASSWORD_SIGN_IN=off. */
export function isPasswordSignInEnabled(settings: Env = env) {
  return settings.ARBITER_PASSWORD_SIGN_IN === "on";
}

/** How people may sign in: email and password, the operator's provider, or both. */
export function signInProviders(settings: Env = env) {
  const sso = ssoProvider(settings);
  return [
    ...(isPasswordSignInEnabled(settings)
      ? [
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
        ]
      : []),
    ...(sso ? [sso] : []),
    // Study links work whatever the other settings: participants have no password and no provider
    // account. (next-auth reads the id from the options; the list's readers, from the provider.)
    {
      ...CredentialsProvider({
        id: CROWD_LINK_PROVIDER_ID,
        name: "Study link",
        credentials: {
          token: { type: "text" },
          participantId: { type: "text" },
          studyId: { type: "text" },
          sessionId: { type: "text" },
          submitTo: { type: "text" },
        },
        async authorize(credentials, request) {
          return authorizeCrowdParticipant(await getDb(), credentials, request?.headers ?? {});
        },
      }),
      id: CROWD_LINK_PROVIDER_ID,
    },
  ];
}

/** Maps the provider's claims to an Arbiter account and session, written into next-auth's
 * `user` (the object its jwt callback reads next); a refusal returns the sign-in page with its code. */
async function admitSsoUser(user: User, claims: SsoClaims | undefined, requestHeaders: Headers) {
  try {
    const admitted = await signInWithSso(
      await getDb(),
      claims ?? {},
      { newUsers: env.ARBITER_OIDC_NEW_USERS, allowedDomains: env.ARBITER_OIDC_ALLOWED_DOMAINS },
      { ipAddress: clientAddress(requestHeaders), userAgent: requestHeaders.get("user-agent") },
    );
    Object.assign(user, admitted);
    return true;
  } catch (error) {
    if (error instanceof SsoRefusedError) return `/sign-in?error=${error.code}`;
    log.error("Single sign-on failed unexpectedly", error);
    return "/sign-in?error=Callback";
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
    providers: signInProviders(),
    callbacks: {
      signIn({ user, account, profile }) {
        return account?.provider === SSO_PROVIDER_ID ? admitSsoUser(user, profile, requestHeaders) : true;
      },
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
