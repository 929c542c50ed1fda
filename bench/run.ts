/**
 * `npm run bench [detect-wire|backtest-wire|remediation|deploy|fanout|resilience|quality|fleet]`:
 * each benchmark prints JSON lines.
 * Figures are in README.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_ACCESS_KEY_ID ??= "bench";
process.env.AWS_SECRET_ACCESS_KEY ??= "bench";
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";

const { benchRemediation } = await import("./remediation.ts");

const only = process.argv[2];
if (!only || only === "detect-wire" || only === "detect") {
  // The real client against a local CloudWatch endpoint, the bundled handler under Lambda flags.
  const { benchDetectWire } = await import("./detect-wire.ts");
  console.log(JSON.stringify(await benchDetectWire()));
  // The memory guard: the same 10,000 metrics in a 128 MB function.
  console.log(JSON.stringify(await benchDetectWire({ memoryMb: 128, rounds: 1 })));
}
if (!only || only === "backtest-wire") {
  const { benchBacktestWire } = await import("./backtest-wire.ts");
  console.log(JSON.stringify(await benchBacktestWire()));
}
if (!only || only === "remediation") {
  // `npm run bench remediation sns-encryption cloudtrail-encryption`: only those kinds.
  const kinds = only ? process.argv.slice(3) : [];
  for (const line of await benchRemediation(kinds)) console.log(JSON.stringify(line));
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
  // `npm run bench fleet 1000`: a smaller fleet for a quick look; `--verbose` lists every incident.
  const args = process.argv.slice(3);
  const metrics = Number(args.find((a) => !a.startsWith("--")));
  printFleet(
    await benchFleet({
      ...(Number.isSafeInteger(metrics) && metrics > 0 ? { metrics } : {}),
      verbose: args.includes("--verbose"),
    }),
  );
}
if (!only || only === "resilience") {
  for (const line of await (await import("./resilience.ts")).benchResilience())
    console.log(JSON.stringify(line));
}
if (only === "quality") {
  // Not part of the default run: it needs the shared NAB data (../shared/datasets/nab).
  const { benchQuality } = await import("./quality.ts");
  process.exitCode = await benchQuality(process.argv.slice(3));
}
