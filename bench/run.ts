/**
 * `npm run bench [detect|remediation|deploy|fanout|resilience|fleet]`: each benchmark prints JSON lines.
 * Figures are in README.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_ACCESS_KEY_ID ??= "bench";
process.env.AWS_SECRET_ACCESS_KEY ??= "bench";
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";

const { benchDetect } = await import("./detect.ts");
const { benchRemediation } = await import("./remediation.ts");

const only = process.argv[2];
if (!only || only === "detect") {
  console.log(JSON.stringify(await benchDetect()));
  // The same run bundled and under a 256 MB Lambda's heap flags: the memory that counts.
  const { benchDetectAsLambda } = await import("./detect-lambda.ts");
  console.log(JSON.stringify(await benchDetectAsLambda(256)));
}
if (!only || only === "remediation") {
  for (const line of await benchRemediation()) console.log(JSON.stringify(line));
}
if (!only || only === "deploy") {
  for (const line of await (await import("./deploy.ts")).benchDeploy())
    console.log(JSON.stringify(line));
}
if (!only || only === "fanout") {
  for (const line of await (await import("./fanout.ts")).benchFanout())
    console.log(JSON.stringify(line));
}
if (only === "fleet") {
  // Minutes of work: run on its own (`npm run bench fleet`), not with the others.
  const { benchFleet, printFleet } = await import("./fleet.ts");
  // `npm run bench fleet 1000`: a smaller fleet for a quick look.
  const metrics = Number(process.argv[3]);
  printFleet(await benchFleet(Number.isSafeInteger(metrics) && metrics > 0 ? { metrics } : {}));
}
if (!only || only === "resilience") {
  for (const line of await (await import("./resilience.ts")).benchResilience())
    console.log(JSON.stringify(line));
}
