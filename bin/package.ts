/**
 * `npm run package [-- --stage prod --region eu-west-1]`: builds the CloudFormation template and
 * the function zips for one stage, offline and without AWS credentials, into .serverless/.
 * The stage's config is `vigil.config.yaml` plus `vigil.config.<stage>.yaml` when that exists; its
 * deploy/ files are generated for the package only (the committed deploy/ is the base config's).
 * Deploy the result with `npx serverless deploy --stage <stage> --region <region> --package .serverless`.
 */
import { cp, rm } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ConfigError } from "../src/config/load.ts";
import { assertStageName } from "../src/config/stage-overlay.ts";
import { packageService } from "../src/deploy/package-service.ts";

const USAGE = "usage: npm run package -- [--stage NAME] [--region REGION]";

async function main(): Promise<number> {
  let values: { stage?: string; region?: string };
  try {
    ({ values } = parseArgs({
      options: { stage: { type: "string" }, region: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const stage = values.stage ?? "dev";
  const region = values.region ?? "us-east-1";
  try {
    assertStageName(stage);
    const packaged = await packageService({ stage, region });
    try {
      await rm(".serverless", { recursive: true, force: true });
      await cp(packaged.outputDir, ".serverless", { recursive: true });
    } finally {
      await packaged.cleanup();
    }
    console.log(`packaged stage ${stage} (${region}) from ${packaged.configSources.join(" + ")}`);
    console.log(`.serverless/: template and ${Object.keys(packaged.zips).length} function zips`);
    console.log(
      `deploy with: npx serverless deploy --stage ${stage} --region ${region} --package .serverless`,
    );
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return error instanceof ConfigError ? 2 : 1;
  }
}

process.exitCode = await main();
