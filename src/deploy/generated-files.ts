import type { VigilConfig } from "../config/load.ts";
import { parseRemediationConfig } from "../config/remediation-config.ts";
import { alarmResources } from "./alarms.ts";
import { dashboardResources } from "./dashboard.ts";
import { eventPatterns } from "./event-patterns.ts";
import { exemptionTagsScp } from "./exemption-tags-scp.ts";
import { findingsBusResources } from "./findings-bus.ts";
import { roleResources } from "./iam-roles.ts";
import { journalResources } from "./journal-resources.ts";
import { memberAccountYaml } from "./member-account.ts";
import { withRunbookUrl } from "./runbook-url.ts";

/** rate(60 minutes), rate(1 minute): EventBridge wants the singular for 1. */
export function rateExpression(minutes: number): string {
  return `rate(${minutes} minute${minutes === 1 ? "" : "s"})`;
}

/**
 * Files under deploy/ that serverless.yml includes (and the member-account template); generated
 * by `npm run generate` from the code's declarations and the config file, checked by a test.
 */
export function generatedDeployFiles(config: VigilConfig): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const remediation = parseRemediationConfig(config.remediation ?? {});
  const patterns = eventPatterns(remediation);
  const memberAccounts = remediation.allowedAccounts;
  const verifiedTagExemptions = remediation.exemptions.tags === "verified";
  const detectEveryMinutes = config.detection.scheduleMinutes;
  return {
    "deploy/iam-roles.json": json(
      roleResources(undefined, {
        memberAccounts,
        graphImages: config.alerting.pagerduty?.graphImage?.enabled === true,
        verifiedTagExemptions,
        quarantinePolicyName: remediation.settings.quarantineManagedPolicyName,
        ...(remediation.exemptions.ssmPath
          ? { exemptionParameterPath: remediation.exemptions.ssmPath }
          : {}),
      }),
    ),
    "deploy/journal.json": json(journalResources()),
    "deploy/event-patterns.json": json(patterns),
    "deploy/settings.json": json({
      // One source for the schedule: the config's detection.scheduleMinutes.
      detectSchedule: rateExpression(detectEveryMinutes),
      detectEveryMinutes,
    }),
    "deploy/alarms.json": json(alarmResources({ detectEveryMinutes })),
    "deploy/dashboard.json": json(dashboardResources()),
    "deploy/findings-bus.json": json(findingsBusResources({ memberAccounts })),
    "deploy/member-account.yaml": memberAccountYaml(patterns, { verifiedTagExemptions }),
    // For organisations that honour exemption tags: attach after naming the security role.
    "deploy/scp-exemption-tags.json": json(
      exemptionTagsScp([remediation.exemptionTag, remediation.exemptionUntilTag]),
    ),
    // What the functions load (VIGIL_CONFIG): validated here, so no YAML parser is bundled; the
    // runbook link made absolute (a page must link somewhere clickable).
    "deploy/vigil.config.json": json(withRunbookUrl(config)),
  };
}
