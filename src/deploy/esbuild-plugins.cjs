// esbuild plugins for serverless-esbuild (serverless.yml custom.esbuild.plugins).
const path = require("node:path");

/**
 * zod ships error messages in ~40 languages behind `z.locales`, all reachable from `import { z }`
 * and so all bundled (about 260 KB minified, 40 % of a function). Vigil reports errors in English
 * only: resolve zod's locale index to a module that re-exports English alone.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: path.join(args.resolveDir, "../locales/index.js"), namespace: "zod-locales" };
    });
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), "en.js"))};`,
      resolveDir: path.dirname(args.path),
      loader: "js",
    }));
  },
};

/**
 * The functions read the config as JSON (deploy/vigil.config.json, validated and written by
 * `npm run generate`), so the YAML parser (about 120 KB minified) stays out of the bundles. A
 * bundled module importing anything else from "yaml" fails the build; calling parse() says why.
 */
const noYamlInLambda = {
  name: "no-yaml-in-lambda",
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: "yaml", namespace: "no-yaml" }));
    build.onLoad({ filter: /.*/, namespace: "no-yaml" }, () => ({
      contents:
        "export function parse() { throw new Error('this Lambda bundle reads its config as JSON " +
        "(VIGIL_CONFIG=deploy/vigil.config.json, written by npm run generate): YAML is not bundled'); }",
      loader: "js",
    }));
  },
};

/**
 * With code splitting (serverless.yml custom.esbuild.splitting) each remediation module and its
 * AWS SDK client is a chunk loaded on first use (src/remediations/catalog.ts). serverless-esbuild
 * builds every function into the same folder and zips the whole folder per function, leaving out
 * only the other functions' bundles and the files named after them (`functions/detect.*`). So
 * each function's chunks go under `<its bundle>.chunks/`: its own zip has them, no other one does.
 */
const chunksBesideTheirFunction = {
  name: "chunks-beside-their-function",
  setup(build) {
    const entries = build.initialOptions.entryPoints;
    const entry = Array.isArray(entries) && entries.length === 1 ? entries[0] : undefined;
    if (!build.initialOptions.splitting || typeof entry !== "string") return;
    const name = path.basename(entry).replace(/\.[cm]?[jt]s$/, "");
    build.initialOptions.chunkNames = `${name}.chunks/[name]-[hash]`;
  },
};

module.exports = [zodEnglishOnly, noYamlInLambda, chunksBesideTheirFunction];
