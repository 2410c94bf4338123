// Test helper process: a server start's database work (server/startup.ts prepareDatabase) on the
// DATABASE_URL of its environment. It loads, says "loaded", and starts when a line arrives on
// stdin, so that two of them can be released at the same moment.
import readline from "node:readline";
import { prepareDatabase } from "../startup.ts";

console.log("loaded");
await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once("line", resolve));
const database = await prepareDatabase();
await database.close();
console.log("prepared");
process.exit(0);
