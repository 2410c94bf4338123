// tRPC over HTTP.
import { createTrpcHttpHandler } from "@/server/api/http-handler";
import { createContextFromRequest } from "@/server/api/trpc";

const handler = createTrpcHttpHandler(createContextFromRequest);

export { handler as GET, handler as POST };
