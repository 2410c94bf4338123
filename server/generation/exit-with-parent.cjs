// Preloaded (`node --require`) into each inference server the web server supervises: the
// parent holds this process's stdin open, so end-of-file means the parent is gone (even after
// a SIGKILL that gave it no chance to stop its children), and the server must not linger.
"use strict";
if (!process.stdin.isTTY) {
  const exit = () => process.exit(0);
  process.stdin.on("end", exit);
  process.stdin.on("close", exit);
  process.stdin.on("error", exit);
  process.stdin.resume();
}
