/**
 * `npm start`: Vigil's main job against a local AWS emulator. Starts moto_server on 127.0.0.1 on a
 * free port, seeds a demo account and runs the real handlers. No AWS account, nothing leaves the machine.
 */
import "./sandbox-env.ts";
import { startMotoServer } from "../sandbox/moto-server.ts";
import { runRemediationSandbox } from "../sandbox/remediation-demo.ts";
import { runDetectionSandbox } from "../sandbox/run-sandbox.ts";
import { processIo } from "../src/cli/io.ts";

const moto = await startMotoServer();
// ^C: stop the emulator too (signals skip the exit hooks by default).
process.once("SIGINT", () => process.exit(130));
processIo.out(
  `Vigil sandbox: moto_server on ${moto.endpoint} (local emulator, no AWS account used)`,
);
let ok = false;
try {
  const detection = await runDetectionSandbox(moto.endpoint, processIo);
  const remediation = await runRemediationSandbox(moto.endpoint, processIo);
  ok = detection.ok && remediation.ok;
  processIo.out("");
  processIo.out(ok ? "Sandbox OK." : "Sandbox FAILED: see the lines marked ✗ or UNEXPECTED above.");
} catch (error) {
  processIo.err(`sandbox failed: ${(error as Error).stack ?? error}`);
} finally {
  await moto.stop();
}
process.exit(ok ? 0 : 1);
