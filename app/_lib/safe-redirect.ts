// Where to go after signing in: only paths on this site, never another origin.
export function safeCallbackUrl(value: unknown): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  if (typeof candidate !== "string" || !/^(\/|https?:\/\/)/.test(candidate)) return "/";
  // Absolute URLs (next-auth produces them) keep only their path; "//host" is another origin.
  if (candidate.startsWith("//")) return "/";
  let path: string;
  try {
    const url = new URL(candidate, "http://placeholder.invalid");
    path = `${url.pathname}${url.search}`;
  } catch {
    return "/";
  }
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/sign-in")) return "/";
  return path;
}
