// API tokens: everyone manages their own personal tokens; admins create service tokens and see
// and revoke every token. The tokens themselves work only on the HTTP API (app/api/v1).
import { adminProcedure, authedProcedure, router } from "../trpc";
import { ApiTokenIdInput } from "@/server/services/api-tokens/api-token-schemas";
import { CreateApiTokenInput, createApiToken } from "@/server/services/api-tokens/create-api-token";
import {
  ListApiTokensInput,
  listAllApiTokens,
  listMyApiTokens,
} from "@/server/services/api-tokens/list-api-tokens";
import { revokeApiToken } from "@/server/services/api-tokens/revoke-api-token";

export const apiTokensRouter = router({
  listMine: authedProcedure
    .input(ListApiTokensInput)
    .query(({ ctx, input }) => listMyApiTokens(ctx.db, input, ctx.user)),
  createPersonal: authedProcedure
    .input(CreateApiTokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.db, input, ctx.user, "personal")),
  /** Admins revoke any token; others their own (checked in the service). */
  revoke: authedProcedure
    .input(ApiTokenIdInput)
    .mutation(({ ctx, input }) => revokeApiToken(ctx.db, input, ctx.user)),
  listAll: adminProcedure
    .input(ListApiTokensInput)
    .query(({ ctx, input }) => listAllApiTokens(ctx.db, input)),
  createService: adminProcedure
    .input(CreateApiTokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.db, input, ctx.user, "service")),
});
