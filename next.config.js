// Next.js configuration. Packages with native code or WASM stay outside the server bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- this config file is CommonJS
const createNextIntlPlugin = require("next-intl/plugin");

/** The pages' language per request (no locale in the URL): app/_lib/i18n-request.ts. */
const withNextIntl = createNextIntlPlugin("./app/_lib/i18n-request.ts");

/**
 * Model responses are untrusted Markdown shown to reviewers and admins: nothing may load from
 * another origin (a remote image is a tracking pixel), and no page may be framed. Next.js
 * inlines its bootstrap scripts and React its styles, so both need 'unsafe-inline' (no nonces:
 * they would make every page dynamic); React's development build also needs eval.
 * (Tooling config, not app code: NODE_ENV is what `next dev` and `next start` set.)
 */
function contentSecurityPolicy(isDevelopment, crowd = { frameAncestors: "'none'", formAction: "'self'" }) {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${isDevelopment ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `frame-ancestors ${crowd.frameAncestors}`,
    `form-action ${crowd.formAction}`,
  ].join("; ");
}

/**
 * Study links (/participate) are MTurk's external questions: MTurk frames them and takes the
 * finished work back through a form posted to its externalSubmit. Only MTurk's fixed hosts
 * are added, and only on these pages.
 */
const MTURK_FRAMING = {
  frameAncestors: "https://worker.mturk.com https://workersandbox.mturk.com https://www.mturk.com",
  formAction: "'self' https://www.mturk.com https://workersandbox.mturk.com",
};

/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ["@electric-sql/pglite", "@node-rs/argon2", "pg"],
  poweredByHeader: false,
  // The build checks the web app and whatever it imports; `npm run typecheck` checks everything.
  typescript: { tsconfigPath: "tsconfig.web.json" },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          {
            key: "Content-Security-Policy",
            value: contentSecurityPolicy(process.env.NODE_ENV === "development"),
          },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          {
            key: "Permissions-Policy",
            value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
          },
        ],
      },
      {
        // Later rules override earlier ones' headers of the same name; with frame-ancestors
        // present, browsers ignore X-Frame-Options.
        source: "/participate/:path*",
        headers: [
          {
            key: "Content-Security-Policy",
            value: contentSecurityPolicy(process.env.NODE_ENV === "development", MTURK_FRAMING),
          },
        ],
      },
    ];
  },
};

module.exports = withNextIntl(nextConfig);
