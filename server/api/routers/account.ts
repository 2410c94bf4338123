// The signed-in user's own account.
import { annotatorProcedure, authedProcedure, publicProcedure, router } from "../trpc";
import { ListWorkHistoryInput, listWorkHistory } from "@/server/services/annotator-work/work-history";
import { getWorkSummary } from "@/server/services/annotator-work/work-summary";
import { getUserLocale, SetLocaleInput, setUserLocale } from "@/server/services/users/user-locale";

export const accountRouter = router({
  /** Null when nobody is signed in; lets pages choose what to show without an error. */
  current: publicProcedure.query(({ ctx }) => ctx.user),
  me: authedProcedure.query(({ ctx }) => ctx.user),
  /** The interface language the caller stored; null: none yet (the browser's decides). */
  locale: authedProcedure.query(({ ctx }) => getUserLocale(ctx.db, ctx.user.id)),
  setLocale: authedProcedure
    .input(SetLocaleInput)
    .mutation(({ ctx, input }) => setUserLocale(ctx.db, input, ctx.user)),
  /** The caller's own work only: the services read the actor's id, never one from the input. */
  workSummary: annotatorProcedure.query(({ ctx }) => getWorkSummary(ctx.db, ctx.user)),
  workHistory: annotatorProcedure
    .input(ListWorkHistoryInput.optional())
    .query(({ ctx, input }) => listWorkHistory(ctx.db, input, ctx.user)),
});
