// The TypeScript sources under a folder (no declaration files, no node_modules, no index),
// shared by calls.js and find_references.js.
const fs = require("fs");
const path = require("path");

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== ".code-index") yield* files(full);
    } else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      yield full;
    }
  }
}

module.exports = { files };
