import { configComplianceChangeEventSchema } from "../src/events/config-compliance-change.ts";
import { intakeConfigEvent } from "../src/usecases/intake-config.ts";
import { remediationEventHandler } from "../src/wiring/remediation.ts";

/** EventBridge aws.config "Config Rules Compliance Change" → intake → runner. */
const onConfigComplianceChange = remediationEventHandler({
  serviceName: "vigil-on-config-compliance-change",
  schema: configComplianceChangeEventSchema,
  intake: intakeConfigEvent,
});

export const handler = onConfigComplianceChange.handler;
export const setRemediationApp = onConfigComplianceChange.setApp;
export const logger = onConfigComplianceChange.logger;
