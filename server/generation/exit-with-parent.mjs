// Preloaded (`node --import`) into each inference server the web server supervises: when the
// web server dies without stopping its children (a SIGKILL, a crash), this process must not
// linger. (Watching stdin for end-of-file would be neater, but reading stdin while tsx's loader
// starts deadlocks Node 20; and process.ppid is read once at start, so it never changes.)
import fs from "node:fs";

const parent = process.ppid;

function parentIsGone() {
  try {
    // Linux: the current parent, from the kernel (field 4 of /proc/self/stat, after the name).
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== parent;
  } catch {
    try {
      process.kill(parent, 0);
      return false;
    } catch (error) {
      return error.code === "ESRCH";
    }
  }
}

setInterval(() => {
  if (parentIsGone()) process.exit(0);
}, 1000).unref();
