/**
 * `npm start`: Vigil's main job against a local AWS emulator. Starts moto_server on 127.0.0.1 on a
 * free port, seeds a demo account and runs the real handlers. No AWS account, nothing leaves the machine.
 */
import { processIo } from "../src/cli/io.ts";
import { startMotoServer } from "../src/sandbox/moto-server.ts";
import { runDetectionSandbox } from "../src/sandbox/run-sandbox.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.POWERTOOLS_LOG_LEVEL ??= "WARN"; // the demo prints its own summary

const moto = await startMotoServer();
processIo.out(
  `Vigil sandbox: moto_server on ${moto.endpoint} (local emulator, no AWS account used)`,
);
let ok = false;
try {
  const detection = await runDetectionSandbox(moto.endpoint, processIo);
  ok = detection.ok;
} catch (error) {
  processIo.err(`sandbox failed: ${(error as Error).stack ?? error}`);
} finally {
  await moto.stop();
}
process.exit(ok ? 0 : 1);
