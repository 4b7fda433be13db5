// Call sites by callee name, from the TypeScript compiler API's syntax tree, for
// bench/refs_bench.py (NODE_PATH must reach an `npm install typescript`). Prints
// path<TAB>line<TAB>byte offset of the name in its line (0-based)<TAB>name.
const fs = require("fs");
const ts = require("typescript");
const { files } = require("./ts_files");


const out = [];
for (const file of files(process.argv[2])) {
  const text = fs.readFileSync(file, "utf8");
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const visit = (node) => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      let callee = node.expression;
      let name = null;
      if (ts.isIdentifier(callee)) name = callee;
      else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name)) name = callee.name;
      if (name) {
        const start = name.getStart(source);
        const { line, character } = source.getLineAndCharacterOfPosition(start);
        const lineStart = source.getPositionOfLineAndCharacter(line, 0);
        const bytes = Buffer.byteLength(text.slice(lineStart, lineStart + character), "utf8");
        out.push(`${file}\t${line + 1}\t${bytes}\t${name.text}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
process.stdout.write(out.join("\n") + "\n");
