// Admin user management.
import { adminProcedure, router } from "../trpc";
import { ChangeUserRoleInput, changeUserRole } from "@/server/services/users/change-user-role";
import { InviteUserInput, inviteUser } from "@/server/services/users/invite-user";
import { ListUsersInput, listUsers } from "@/server/services/users/list-users";
import { ReissueInvitationInput, reissueInvitation } from "@/server/services/users/reissue-invitation";
import { SetUserActiveInput, setUserActive } from "@/server/services/users/set-user-active";

export const usersRouter = router({
  list: adminProcedure.input(ListUsersInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  invite: adminProcedure
    .input(InviteUserInput)
    .mutation(({ ctx, input }) => inviteUser(ctx.db, input, ctx.user)),
  reissueInvitation: adminProcedure
    .input(ReissueInvitationInput)
    .mutation(({ ctx, input }) => reissueInvitation(ctx.db, input, ctx.user)),
  changeRole: adminProcedure
    .input(ChangeUserRoleInput)
    .mutation(({ ctx, input }) => changeUserRole(ctx.db, input, ctx.user)),
  setActive: adminProcedure
    .input(SetUserActiveInput)
    .mutation(({ ctx, input }) => setUserActive(ctx.db, input, ctx.user)),
});
