// The signed-in user as services and procedures see them: loaded from the database on every
// request, so a role change or deactivation takes effect at once.
import type { Role } from "@/db/schema";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  sessionId: string;
}
