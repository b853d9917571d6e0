#!/usr/bin/env node
// Reproducible build of the demo institution's contracts.
//
//   node resources/contracts/build.mjs [OUTPUT_DIR]
//
// Compiles every Solidity file under resources/contracts/ with the solcjs compiler pinned in
// package.json (standard JSON, optimizer on with 200 runs, fixed EVM version) and writes one
// artifact per top-level contract file (Foo.sol -> OUTPUT_DIR/Foo.json, for contract Foo).
// Files under interfaces/ and utils/ are compiled as dependencies only. Source unit names are
// paths relative to resources/contracts/ (ours) or package paths ("@openzeppelin/...") so the
// metadata hash, and therefore the bytecode, does not depend on where the checkout lives.
// The default OUTPUT_DIR is resources/contracts/build/ (committed).

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CONTRACTS_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(CONTRACTS_DIR, "..", "..");
const NODE_MODULES = path.join(REPO_ROOT, "node_modules");
const DEPENDENCY_DIRS = ["interfaces", "utils"];
const SETTINGS = {
  evmVersion: "shanghai",
  optimizer: { enabled: true, runs: 200 },
};

const require = createRequire(path.join(REPO_ROOT, "package.json"));
let solc;
try {
  solc = require("solc");
} catch (error) {
  console.error(`build.mjs: cannot load the 'solc' npm package (${error.message}); run 'npm ci' first`);
  process.exit(2);
}

function sha256(text) {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function listSources() {
  const top = readdirSync(CONTRACTS_DIR)
    .filter((name) => name.endsWith(".sol"))
    .sort();
  const deps = [];
  for (const dir of DEPENDENCY_DIRS) {
    const abs = path.join(CONTRACTS_DIR, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) {
      if (name.endsWith(".sol")) deps.push(`${dir}/${name}`);
    }
  }
  return { top, all: [...top, ...deps].sort() };
}

function findImport(unitName) {
  // Only package imports reach the callback; our own files are all passed in `sources`.
  const normalized = path.posix.normalize(unitName);
  if (normalized.startsWith("..") || path.posix.isAbsolute(normalized) || !normalized.startsWith("@")) {
    return { error: `import not allowed: ${unitName}` };
  }
  const file = path.join(NODE_MODULES, ...normalized.split("/"));
  if (!existsSync(file)) return { error: `not found in node_modules: ${unitName}` };
  return { contents: readFileSync(file, "utf8") };
}

// JSON with object keys sorted at every level (array order is kept), 2-space indent.
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}

function stableJson(value) {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function main() {
  const outDir = path.resolve(process.argv[2] ?? path.join(CONTRACTS_DIR, "build"));
  const { top, all } = listSources();
  const sourceTexts = Object.fromEntries(all.map((unit) => [unit, readFileSync(path.join(CONTRACTS_DIR, unit), "utf8")]));

  const input = {
    language: "Solidity",
    sources: Object.fromEntries(all.map((unit) => [unit, { content: sourceTexts[unit] }])),
    settings: {
      ...SETTINGS,
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
      },
    },
  };

  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const diagnostics = output.errors ?? [];
  for (const item of diagnostics) {
    process.stderr.write(item.formattedMessage ?? `${item.severity}: ${item.message}\n`);
  }
  if (diagnostics.some((item) => item.severity === "error")) {
    console.error("build.mjs: compilation failed");
    process.exit(1);
  }

  mkdirSync(outDir, { recursive: true });
  const written = new Set();
  for (const unit of top) {
    const contractName = path.basename(unit, ".sol");
    const compiled = output.contracts?.[unit]?.[contractName];
    if (!compiled) {
      console.error(`build.mjs: ${unit} must define a contract named ${contractName}`);
      process.exit(1);
    }
    const artifact = {
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      compiler: solc.version(),
      contractName,
      deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
      settings: SETTINGS,
      sourceName: unit,
      sourceSha256: sha256(sourceTexts[unit]),
    };
    const fileName = `${contractName}.json`;
    writeFileSync(path.join(outDir, fileName), stableJson(artifact));
    written.add(fileName);
  }

  // Drop artifacts of contracts that no longer exist (only files that look like our artifacts).
  for (const name of readdirSync(outDir)) {
    if (!name.endsWith(".json") || written.has(name)) continue;
    const file = path.join(outDir, name);
    try {
      const data = JSON.parse(readFileSync(file, "utf8"));
      if (data && typeof data === "object" && "contractName" in data && "deployedBytecode" in data) {
        rmSync(file);
      }
    } catch {
      // not ours; leave it
    }
  }

  console.log(`build.mjs: ${written.size} artifacts (${solc.version()}) -> ${path.relative(process.cwd(), outDir) || "."}`);
}

main();
