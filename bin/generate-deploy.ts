/**
 * `npm run generate`: writes the deploy/ files serverless.yml includes — each function's IAM role
 * from the permissions its code declares, and the EventBridge patterns from the configured rules.
 */
import { writeFile } from "node:fs/promises";
import { loadConfigFile } from "../src/config/load.ts";
import { generatedDeployFiles } from "../src/deploy/generated-files.ts";

const files = generatedDeployFiles(await loadConfigFile());
for (const [path, content] of Object.entries(files)) {
  await writeFile(path, content);
  console.log(`wrote ${path}`);
}
