// The audit log of admin actions.
import { adminProcedure, router } from "../trpc";
import { ListAuditLogInput, listAuditLog } from "@/server/services/audit/list-audit-log";

export const auditRouter = router({
  list: adminProcedure.input(ListAuditLogInput).query(({ ctx, input }) => listAuditLog(ctx.db, input)),
});
