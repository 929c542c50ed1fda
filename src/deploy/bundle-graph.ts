/**
 * Which files of a function package a module loads before it runs: itself and, transitively, the
 * chunks it imports statically. Chunks reached only through `import()` load later, when the code
 * asks (src/remediations/catalog.ts). Development tooling (bench/deploy.ts, packaging tests):
 * reads esbuild's minified ESM output, nothing here is bundled into a function.
 */
import { posix } from "node:path";

/**
 * `import{a as b}from"./x.mjs"`, `import"./x.mjs"`, `export{c}from"./x.mjs"`: static, relative.
 * `import("./x.mjs")` does not match: a "(" stands between the keyword and the quote.
 */
const STATIC_IMPORT = /\b(?:import|export)\s*(?:[\w$*{},\s]*?from\s*)?["'](\.\.?\/[^"']+)["']/g;

/** `import("./x.mjs")`: a chunk loaded when the code asks for it. */
const DYNAMIC_IMPORT = /\bimport\(\s*["'](\.\.?\/[^"']+)["']\s*\)/g;

export function dynamicImportsOf(source: string): string[] {
  return [...source.matchAll(DYNAMIC_IMPORT)].map((match) => match[1] as string);
}

export function staticImportsOf(source: string): string[] {
  return [...source.matchAll(STATIC_IMPORT)].map((match) => match[1] as string);
}

/** `start` and every file it loads statically, in load-discovery order (paths as in the zip). */
export function loadedWith(files: ReadonlyMap<string, Buffer>, start: string): string[] {
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    const content = files.get(file);
    if (!content) throw new Error(`${file} is imported but not in the package`);
    seen.add(file);
    for (const specifier of staticImportsOf(content.toString("utf8"))) {
      pending.push(posix.join(posix.dirname(file), specifier));
    }
  }
  return [...seen];
}

/** Relative imports (static or dynamic) of the package's modules that name no file in it. */
export function unresolvedImports(files: ReadonlyMap<string, Buffer>): string[] {
  const missing: string[] = [];
  for (const [file, content] of files) {
    if (!file.endsWith(".mjs")) continue;
    const source = content.toString("utf8");
    for (const specifier of [...staticImportsOf(source), ...dynamicImportsOf(source)]) {
      const target = posix.join(posix.dirname(file), specifier);
      if (!files.has(target)) missing.push(`${file} → ${specifier}`);
    }
  }
  return missing;
}

/** The chunk esbuild split a dynamically imported module into (`<module name>-<hash>.mjs`). */
export function chunkOf(files: ReadonlyMap<string, Buffer>, moduleName: string): string {
  const pattern = new RegExp(`\\.chunks/${moduleName}-[A-Z0-9]+\\.mjs$`);
  const found = [...files.keys()].filter((name) => pattern.test(name));
  if (found.length !== 1) {
    throw new Error(`expected one chunk for ${moduleName}, found ${found.length}`);
  }
  return found[0] as string;
}
