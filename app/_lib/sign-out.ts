// Signs out through next-auth's own endpoints (CSRF token, then POST /api/auth/signout), as
// next-auth/react's signOut does. Written out here because importing next-auth/react into the
// header put its client (with a regenerator runtime) into every page's JavaScript.
export async function signOutOfSession(): Promise<void> {
  const csrf = await fetch("/api/auth/csrf", { cache: "no-store" });
  if (!csrf.ok) throw new Error(`Could not sign out (HTTP ${csrf.status}).`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch("/api/auth/signout", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, json: "true" }),
  });
  if (!response.ok) throw new Error(`Could not sign out (HTTP ${response.status}).`);
}
