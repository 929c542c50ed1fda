/** Entry bundled by bench/detect-lambda.ts: runs the detection benchmark and prints one JSON line. */
import { benchDetect } from "./detect.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_ACCESS_KEY_ID ??= "bench";
process.env.AWS_SECRET_ACCESS_KEY ??= "bench";
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
console.log(JSON.stringify(await benchDetect()));
