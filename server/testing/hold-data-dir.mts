// Test helper process: opens a PGlite data directory like a server would, writes a marker row,
// says "ready", and holds the directory until killed.
import { sql } from "drizzle-orm";
import { migrateDatabase, openDatabase } from "../../db/client.ts";

const dataDir = process.argv[2];
const database = await openDatabase({ kind: "pglite", dataDir });
await migrateDatabase(database);
await database.db.execute(
  sql`insert into audit_log (action, target_type, target_id) values ('user.invited', 'user', 'written-before-crash')`,
);
console.log("ready");
setInterval(() => {}, 1 << 30);
