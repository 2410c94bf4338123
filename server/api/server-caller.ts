// Server components call procedures through this caller: same procedures, same checks, no HTTP.
import { headers } from "next/headers";
import { cache } from "react";
import { getCurrentUser } from "@/server/auth/current-user";
import { clientAddress } from "@/server/auth/request-origin";
import { getDb } from "@/server/db";
import { createCaller } from "./root";

export const getServerCaller = cache(async () =>
  createCaller({
    db: await getDb(),
    user: await getCurrentUser(),
    clientAddress: clientAddress(await headers()),
  }),
);
