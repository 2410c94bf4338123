// Every table, one file per domain. drizzle-kit reads this file to generate migrations.
export * from "./users";
export * from "./auth";
export * from "./audit";
export * from "./campaigns";
export * from "./annotation";
export * from "./quality";
export * from "./exports";
export * from "./generation";
export * from "./rollups";
