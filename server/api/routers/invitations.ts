// The invited person's side: read the invitation, set a password. Public: the token is the key.
import { publicProcedure, router } from "../trpc";
import { AcceptInvitationInput, acceptInvitation } from "@/server/services/users/accept-invitation";
import { GetInvitationInput, getInvitation } from "@/server/services/users/get-invitation";

export const invitationsRouter = router({
  get: publicProcedure.input(GetInvitationInput).query(({ ctx, input }) => getInvitation(ctx.db, input)),
  accept: publicProcedure
    .input(AcceptInvitationInput)
    .mutation(({ ctx, input }) => acceptInvitation(ctx.db, input)),
});
