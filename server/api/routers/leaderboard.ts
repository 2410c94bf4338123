// The model leaderboard of a campaign or batch.
import { adminProcedure, router } from "../trpc";
import { getLeaderboard, LeaderboardInput } from "@/server/services/leaderboard/get-leaderboard";

export const leaderboardRouter = router({
  get: adminProcedure.input(LeaderboardInput).query(({ ctx, input }) => getLeaderboard(ctx.db, input)),
});
