// The root router: every procedure the app exposes. The authorization matrix test walks it.
import { accountRouter } from "./routers/account";
import { annotationRouter } from "./routers/annotation";
import { auditRouter } from "./routers/audit";
import { invitationsRouter } from "./routers/invitations";
import { usersRouter } from "./routers/users";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  annotation: annotationRouter,
  audit: auditRouter,
  invitations: invitationsRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
