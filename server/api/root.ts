// The root router: every procedure the app exposes. The authorization matrix test walks it.
import "server-only";
import { accountRouter } from "./routers/account";
import { apiTokensRouter } from "./routers/api-tokens";
import { annotationRouter } from "./routers/annotation";
import { auditRouter } from "./routers/audit";
import { batchesRouter } from "./routers/batches";
import { campaignsRouter } from "./routers/campaigns";
import { crowdRouter } from "./routers/crowd";
import { dashboardRouter } from "./routers/dashboard";
import { exportsRouter } from "./routers/exports";
import { integrityRouter } from "./routers/integrity";
import { invitationsRouter } from "./routers/invitations";
import { judgingRouter } from "./routers/judging";
import { leaderboardRouter } from "./routers/leaderboard";
import { problemReportsRouter } from "./routers/problem-reports";
import { promptSetsRouter } from "./routers/prompt-sets";
import { qualityRouter } from "./routers/quality";
import { reviewRouter } from "./routers/review";
import { usersRouter } from "./routers/users";
import { variantsRouter } from "./routers/variants";
import { webhooksRouter } from "./routers/webhooks";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  annotation: annotationRouter,
  apiTokens: apiTokensRouter,
  audit: auditRouter,
  batches: batchesRouter,
  campaigns: campaignsRouter,
  crowd: crowdRouter,
  dashboard: dashboardRouter,
  exports: exportsRouter,
  integrity: integrityRouter,
  invitations: invitationsRouter,
  judging: judgingRouter,
  leaderboard: leaderboardRouter,
  problemReports: problemReportsRouter,
  promptSets: promptSetsRouter,
  quality: qualityRouter,
  review: reviewRouter,
  users: usersRouter,
  variants: variantsRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
