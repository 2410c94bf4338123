// The signed-in user's own account.
import { authedProcedure, publicProcedure, router } from "../trpc";

export const accountRouter = router({
  /** Null when nobody is signed in; lets pages choose what to show without an error. */
  current: publicProcedure.query(({ ctx }) => ctx.user),
  me: authedProcedure.query(({ ctx }) => ctx.user),
});
