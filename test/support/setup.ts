import "aws-sdk-client-mock-vitest/extend";
import sinon from "sinon";
import { afterAll } from "vitest";

// Runs before every test file. Tests are hermetic: fake credentials, no profile, no real endpoint.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_ACCESS_KEY_ID = "testing";
process.env.AWS_SECRET_ACCESS_KEY = "testing";
process.env.AWS_REGION = "us-east-1";
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_ENDPOINT_URL;
// Vigil's own metrics are EMF lines on stdout: silent here; test/usecases/run-metrics.test.ts turns
// them on for the handler whose output it reads.
process.env.POWERTOOLS_METRICS_DISABLED = "true";
// Quiet: Powertools loggers read this when they are built (at module load, after this file).
// A test that asserts on log lines captures them (bench/resilience/log-capture.ts) or sets a level.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";

// The unit project runs files in one module graph (isolate: false). aws-sdk-client-mock stubs a
// client's prototype through sinon's default sandbox, and files mock clients at their top level
// without restoring them: restore every stub when a file ends, so the next file (a real client
// against a local server, say) never meets the last file's mock.
afterAll(() => {
  sinon.restore();
});
