import { isTransientAwsError } from "../domain/aws-errors.ts";
import type { Finding } from "../domain/finding.ts";
import { globMatch, type TagSettingVerdict } from "../domain/guards.ts";
import type { TagSetters } from "../ports/tag-setters.ts";
import type { RemediationDeps } from "./remediation-deps.ts";

type Deps = Pick<RemediationDeps, "config" | "clock"> & { tagSetters?: TagSetters };

/**
 * `exemptions.tags: verified`: whether the exemption tags on the finding's resource were last set
 * by a configured setter (`exemptions.tagSetters`), as CloudTrail's event history tells it. Not
 * found (never recorded, or older than CloudTrail's 90 days), set by anyone else, or CloudTrail
 * refusing the question: not trusted, with the reason people are told. Throttling and other
 * transient errors are rethrown (retried; nothing exempted meanwhile).
 */
export async function tagSettingVerdict(deps: Deps, finding: Finding): Promise<TagSettingVerdict> {
  const { config } = deps;
  const keys = [config.exemptionTag, config.exemptionUntilTag];
  if (!deps.tagSetters) return { trusted: false, problem: "no CloudTrail lookup is wired" };
  let setting: Awaited<ReturnType<TagSetters["lastSetting"]>>;
  try {
    setting = await deps.tagSetters.lastSetting(finding, keys, deps.clock());
  } catch (error) {
    if (isTransientAwsError(error)) throw error;
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    return {
      trusted: false,
      problem: `CloudTrail could not tell who set them (${name}: ${message})`,
    };
  }
  if (!setting) {
    return {
      trusted: false,
      problem: `no CloudTrail event of the last 90 days shows who set "${keys.join('"/"')}"`,
    };
  }
  const [who] = setting.principals;
  const allowed = config.exemptions.tagSetters.some((glob) =>
    setting.principals.some((principal) => globMatch(glob, principal)),
  );
  if (!allowed) {
    return {
      trusted: false,
      problem: `they were set by ${who} (${setting.eventName} at ${setting.time}), who is not in remediation.exemptions.tagSetters`,
    };
  }
  return { trusted: true, by: who as string, at: setting.time };
}
