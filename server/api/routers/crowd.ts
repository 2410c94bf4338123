// Crowd-platform study links: admins create, list and revoke them and read the participants for
// payment; a visitor with a link reads what the study is (public: the secret is the key); a
// signed-in participant takes the comprehension check and reads their own progress and code.
import { adminProcedure, annotatorProcedure, publicProcedure, router } from "../trpc";
import { describeCrowdLink, DescribeCrowdLinkInput } from "@/server/services/crowd/admit-participant";
import {
  CreateCrowdLinkInput,
  createCrowdLink,
  ListCrowdLinksInput,
  listCrowdLinks,
  RevokeCrowdLinkInput,
  revokeCrowdLink,
} from "@/server/services/crowd/crowd-links";
import { ListParticipantsInput, listParticipants } from "@/server/services/crowd/list-participants";
import {
  AnswerComprehensionInput,
  answerComprehension,
  getParticipation,
} from "@/server/services/crowd/participation";

export const crowdRouter = router({
  link: publicProcedure
    .input(DescribeCrowdLinkInput)
    .query(({ ctx, input }) => describeCrowdLink(ctx.db, input)),
  participation: annotatorProcedure.query(({ ctx }) => getParticipation(ctx.db, ctx.user)),
  answerComprehension: annotatorProcedure
    .input(AnswerComprehensionInput)
    .mutation(({ ctx, input }) => answerComprehension(ctx.db, input, ctx.user)),
  links: adminProcedure.input(ListCrowdLinksInput).query(({ ctx, input }) => listCrowdLinks(ctx.db, input)),
  createLink: adminProcedure
    .input(CreateCrowdLinkInput)
    .mutation(({ ctx, input }) => createCrowdLink(ctx.db, input, ctx.user)),
  revokeLink: adminProcedure
    .input(RevokeCrowdLinkInput)
    .mutation(({ ctx, input }) => revokeCrowdLink(ctx.db, input, ctx.user)),
  participants: adminProcedure
    .input(ListParticipantsInput)
    .query(({ ctx, input }) => listParticipants(ctx.db, input)),
});
