// Every table, one file per domain. drizzle-kit reads this file to generate migrations. Marked
// server-only so that no client component pulls the tables into the browser: the values client
// code needs (enum arrays, labels, limits) are in lib/constants.ts.
import "server-only";
export * from "./users";
export * from "./auth";
export * from "./audit";
export * from "./campaigns";
export * from "./annotation";
export * from "./quality";
export * from "./exports";
export * from "./generation";
export * from "./rollups";
export * from "./integrity";
export * from "./jobs";
export * from "./api-tokens";
export * from "./webhooks";
export * from "./prompt-sets";
export * from "./judging";
export * from "./crowd";
