// drizzle-kit: `npm run db:generate` writes a new migration into db/migrations after a schema change.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
