// The official MCP TypeScript SDK client against `code-index mcp` over stdio (issue 20).
//
// The SDK's Client.callTool validates each answer's structuredContent against the tool's
// outputSchema (listTools first), so an answer that breaks its schema fails here. Prints one
// JSON object: versions, and per call whether it passed.
//
//   node bench/mcp_ts_client.mjs SDK_DIR CODE_INDEX_BIN ROOT
//
// SDK_DIR is a folder holding node_modules/@modelcontextprotocol/sdk
// (tests/ts_client pins it: `npm ci` there).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [sdkDir, binary, root] = process.argv.slice(2);
const sdk = join(sdkDir, "node_modules", "@modelcontextprotocol", "sdk");
const load = (relative) => import(pathToFileURL(join(sdk, "dist", "esm", relative)).href);
const { Client } = await load("client/index.js");
const { StdioClientTransport } = await load("client/stdio.js");
const sdkVersion = JSON.parse(readFileSync(join(sdk, "package.json"), "utf8")).version;

const transport = new StdioClientTransport({
  command: binary,
  args: ["mcp", "--root", root],
  stderr: "ignore",
});
const client = new Client({ name: "code-index-ts-check", version: "1.0.0" });
await client.connect(transport);
const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();

const calls = [
  ["index_status", {}],
  ["search_symbols", { query: "user", limit: 5 }],
  ["search_symbols", { query: "no_such_name_anywhere" }],
  ["search_symbols", { query: "parse", refs: true, tests: "exclude" }],
  ["get_symbol", { name: "parse_config" }],
  ["get_symbol", { name: "get_user" }],
  ["file_outline", { path: "app/users.py" }],
  ["find_similar", { code: "def load(blob):\n    out = {}\n    for row in blob.splitlines():\n        if '=' in row:\n            k, v = row.split('=', 1)\n            out[k.strip()] = v.strip()\n    return out\n" }],
  ["find_similar", { code: "def parse_config(text):\n    return dict(line.split('=', 1) for line in text.splitlines())\n", refs: true }],
  ["find_duplicates", {}],
  ["find_duplicates", { blocks: true, hide_intentional: true }],
  ["find_references", { name: "parse_config" }],
  ["reindex", { paths: ["app"] }],
];
const results = [];
for (const [name, args] of calls) {
  if (!tools.includes(name)) {
    results.push({ tool: name, ok: false, error: "not listed" });
    continue;
  }
  try {
    const result = await client.callTool({ name, arguments: args });
    results.push({ tool: name, ok: !result.isError, error: result.isError ? result.content[0].text : null });
  } catch (error) {
    results.push({ tool: name, ok: false, error: String(error.message || error) });
  }
}
// A bad argument is an error answer (not a protocol failure) that the client can read.
const bad = await client.callTool({ name: "search_symbols", arguments: { query: "x", limit: -1 } });
const server = client.getServerVersion();
await client.close();
console.log(
  JSON.stringify({
    node: process.version,
    sdk: sdkVersion,
    server: server,
    tools,
    results,
    bad_argument: { isError: bad.isError === true, text: bad.content[0].text },
  }),
);
