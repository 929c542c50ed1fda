// Imported first by bin/sandbox.ts: loggers read these when their modules load.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// The demo prints its own summary; structured JSON logs are one variable away.
process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
// Vigil's own metrics are EMF lines on stdout in Lambda; the demo prints its own story.
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
