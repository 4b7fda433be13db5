// References by the TypeScript compiler API's LanguageService.findReferences, for
// bench/refs_recall.py (NODE_PATH must reach an `npm install typescript@5`: 7.x has no JS API).
// Usage: node find_references.js ROOT COUNT SEED
// Samples COUNT declarations (functions, classes, interfaces, type aliases, enums, methods,
// properties, module-level variables) of the .ts files under ROOT, with a seeded shuffle, asks
// findReferences at each one's name, and prints each reference that is not a definition and is
// spelled as the name (an alias renamed by `import { a as b }` is not a use by name):
// path<TAB>line<TAB>byte offset of the name in its line (0-based)<TAB>name.
// The first line is `#names<TAB>name,name,...`: the sample, including names with no reference.
// `{@link name}` in a doc comment is a reference to the service, not a use in code: such
// references are left out and counted on a `#doc_links<TAB>N` line. So are other declarations
// of the name that the service relates to it (an override, an implementation of an interface
// member: `refs` leaves definitions out), on a `#declarations<TAB>N` line.
const fs = require("fs");
const path = require("path");
const ts = require("typescript");
const { files } = require("./ts_files");


// A small seeded generator, so a sample is the same on every run.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const root = path.resolve(process.argv[2]);
const count = Number(process.argv[3] || 40);
const next = random(Number(process.argv[4] || 1));
const names = [...files(root)];
const texts = new Map(names.map((file) => [file, fs.readFileSync(file, "utf8")]));
const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  jsx: ts.JsxEmit.ReactJSX,
  strict: true,
  noEmit: true,
};
const host = {
  getScriptFileNames: () => names,
  getScriptVersion: () => "1",
  getScriptSnapshot: (file) => {
    const text = texts.get(file) ?? (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
    return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
  },
  getCurrentDirectory: () => root,
  getCompilationSettings: () => options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists,
  readFile: ts.sys.readFile,
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
};
const service = ts.createLanguageService(host, ts.createDocumentRegistry());
const program = service.getProgram();

const declarations = [];
for (const file of names) {
  const source = program.getSourceFile(file);
  const visit = (node) => {
    const named =
      ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) ||
      ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) ||
      ts.isEnumDeclaration(node) || ts.isMethodDeclaration(node) ||
      ts.isPropertyDeclaration(node) || ts.isMethodSignature(node) ||
      (ts.isVariableDeclaration(node) && ts.isSourceFile(node.parent.parent.parent));
    if (named && node.name && ts.isIdentifier(node.name)) declarations.push([file, node.name]);
    ts.forEachChild(node, visit);
  };
  visit(source);
}
// One declaration per name, so that a name is not counted twice.
const byName = new Map();
for (const [file, name] of declarations) if (!byName.has(name.text)) byName.set(name.text, [file, name]);
const pool = [...byName.values()];
for (let i = pool.length - 1; i > 0; i--) {
  const j = Math.floor(next() * (i + 1));
  [pool[i], pool[j]] = [pool[j], pool[i]];
}
const sample = pool.slice(0, count);

// A name being defined (what `refs` leaves out); an import or export specifier is a use.
const DEFINING = new Set([
  ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.InterfaceDeclaration, ts.SyntaxKind.TypeAliasDeclaration,
  ts.SyntaxKind.EnumDeclaration, ts.SyntaxKind.MethodDeclaration, ts.SyntaxKind.MethodSignature,
  ts.SyntaxKind.PropertyDeclaration, ts.SyntaxKind.PropertySignature,
  ts.SyntaxKind.GetAccessor, ts.SyntaxKind.SetAccessor, ts.SyntaxKind.VariableDeclaration,
  ts.SyntaxKind.Parameter, ts.SyntaxKind.EnumMember, ts.SyntaxKind.ModuleDeclaration,
]);
const definesName = (token) => DEFINING.has(token.parent.kind) && token.parent.name === token;

const out = [`#names\t${sample.map(([, name]) => name.text).join(",")}`];
const seen = new Set();
let docLinks = 0;
let otherDeclarations = 0;
for (const [file, name] of sample) {
  const found = service.findReferences(file, name.getStart()) ?? [];
  for (const symbol of found) {
    for (const entry of symbol.references) {
      if (entry.isDefinition || entry.isInString) continue;
      const text = texts.get(entry.fileName);
      if (text === undefined) continue; // a lib .d.ts
      const start = entry.textSpan.start;
      if (text.slice(start, start + entry.textSpan.length) !== name.text) continue;
      const source = program.getSourceFile(entry.fileName);
      // getTokenAtPosition is internal but stable; JSDoc-parsed nodes carry NodeFlags.JSDoc.
      const token = ts.getTokenAtPosition(source, start);
      if (token.flags & ts.NodeFlags.JSDoc) {
        docLinks++;
        continue;
      }
      if (definesName(token)) {
        otherDeclarations++;
        continue;
      }
      const { line, character } = source.getLineAndCharacterOfPosition(start);
      const lineStart = source.getPositionOfLineAndCharacter(line, 0);
      const bytes = Buffer.byteLength(text.slice(lineStart, lineStart + character), "utf8");
      const row = `${entry.fileName}\t${line + 1}\t${bytes}\t${name.text}`;
      if (!seen.has(row)) out.push(row);
      seen.add(row);
    }
  }
}
out.push(`#doc_links\t${docLinks}`, `#declarations\t${otherDeclarations}`);
process.stdout.write(out.join("\n") + "\n");
