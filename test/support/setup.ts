import "aws-sdk-client-mock-vitest/extend";

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
