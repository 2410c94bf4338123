// What Arbiter keeps in next-auth's user, session and JWT.
import type { Role } from "@/db/schema";

declare module "next-auth" {
  interface User {
    role: Role;
    sessionId: string;
  }
  interface Session {
    user: { id: string; email: string; name: string; role: Role };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    sid?: string;
    role?: Role;
  }
}
