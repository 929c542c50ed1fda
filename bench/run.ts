/** `npm run bench`: each benchmark prints one JSON line. Figures are recorded in README. */
import { benchDetect } from "./detect.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_ACCESS_KEY_ID ??= "bench";
process.env.AWS_SECRET_ACCESS_KEY ??= "bench";

const only = process.argv[2];
if (!only || only === "detect") console.log(JSON.stringify(await benchDetect()));
