// A real OpenID Connect provider (the `oidc-provider` package, certified by the OpenID
// Foundation) for the single sign-on spec. The e2e servers are configured for it at start
// (playwright.config.ts) and only reach it when someone signs in through it, so a spec starts it
// on that port while it runs. Its development login form takes any login (used as the email
// address) and password.
import http from "node:http";

/** The client Arbiter is registered as; playwright.config.ts hands the same to the servers. */
export const E2E_OIDC_CLIENT = { id: "arbiter-e2e", secret: "arbiter e2e client secret, not a real one" };
/** The only email domain the e2e servers admit through single sign-on. */
export const E2E_OIDC_DOMAIN = "sso.test";

export const e2eOidcIssuer = (port: string) => `http://127.0.0.1:${port}`;

export async function startOidcProvider(port: string, redirectUri: string) {
  const { default: Provider } = await import("oidc-provider");
  const provider = new Provider(e2eOidcIssuer(port), {
    clients: [
      {
        client_id: E2E_OIDC_CLIENT.id,
        client_secret: E2E_OIDC_CLIENT.secret,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // next-auth reads the ID token, not the userinfo endpoint: the email goes in the token.
    conformIdTokenClaims: false,
    findAccount: (_context, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: id, email_verified: true, name: id.split("@")[0] }),
    }),
  });
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(Number(port), "127.0.0.1", resolve));
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
