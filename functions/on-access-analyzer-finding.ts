import { analyzerEventSchema } from "../src/events/access-analyzer-events.ts";
import { intakeAnalyzerEvent } from "../src/usecases/intake-unused-access.ts";
import { remediationEventHandler } from "../src/wiring/remediation.ts";

/**
 * EventBridge aws.access-analyzer "Access Analyzer Finding" and "Unused Access Finding for IAM
 * entities" → intake → runner.
 */
const onAccessAnalyzerFinding = remediationEventHandler({
  serviceName: "vigil-on-access-analyzer-finding",
  schema: analyzerEventSchema,
  intake: intakeAnalyzerEvent,
});

export const handler = onAccessAnalyzerFinding.handler;
export const setRemediationApp = onAccessAnalyzerFinding.setApp;
export const logger = onAccessAnalyzerFinding.logger;
