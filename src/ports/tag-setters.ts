import type { Finding } from "../domain/finding.ts";

/** The CloudTrail event that last set one of a resource's exemption tags. */
export interface TagSetting {
  /** Who made the call: the role (with its path) or user ARN first, then the session ARN. */
  principals: string[];
  eventName: string;
  /** ISO time of the call. */
  time: string;
}

/** Who set a resource's tags, as CloudTrail tells it (`exemptions.tags: verified`). */
export interface TagSetters {
  /**
   * The newest event within CloudTrail's 90 days that set any of `tagKeys` on the finding's
   * resource, or undefined when there is none (older, or never recorded). Throws when CloudTrail
   * cannot be asked.
   */
  lastSetting(
    finding: Finding,
    tagKeys: readonly string[],
    now: number,
  ): Promise<TagSetting | undefined>;
}
