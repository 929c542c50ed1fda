import { accessAnalyzerFindingEventSchema } from "../src/events/access-analyzer-finding.ts";
import { intakeAccessAnalyzerEvent } from "../src/usecases/intake.ts";
import { remediationEventHandler } from "../src/wiring/remediation.ts";

/** EventBridge aws.access-analyzer "Access Analyzer Finding" → intake → runner. */
const onAccessAnalyzerFinding = remediationEventHandler({
  serviceName: "vigil-on-access-analyzer-finding",
  schema: accessAnalyzerFindingEventSchema,
  intake: intakeAccessAnalyzerEvent,
});

export const handler = onAccessAnalyzerFinding.handler;
export const setRemediationApp = onAccessAnalyzerFinding.setApp;
export const logger = onAccessAnalyzerFinding.logger;
