import { openDatabase, migrateDatabase } from "@/db/client";
import { generateSyntheticData } from "@/server/services/synthetic/generate-synthetic";
const d = await openDatabase({ kind: "pglite-memory" });
await migrateDatabase(d);
try {
  const r = await generateSyntheticData(d.db, { comparisons: 3000, campaignName: "S" });
  console.log(r);
} catch (e) { const err = e as any; console.log(String(err.cause ?? err).slice(0, 500), String(err.message).slice(0,200)); }
