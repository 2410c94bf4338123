// Server components call procedures through this caller: same procedures, same checks, no HTTP.
import { cache } from "react";
import { getCurrentUser } from "@/server/auth/current-user";
import { getDb } from "@/server/db";
import { createCaller } from "./root";

export const getServerCaller = cache(async () =>
  createCaller({ db: await getDb(), user: await getCurrentUser() }),
);
