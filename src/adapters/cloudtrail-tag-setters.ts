import { type CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import type { Finding } from "../domain/finding.ts";
import type { TagSetters, TagSetting } from "../ports/tag-setters.ts";

/** Loaded with the adapter (dynamically, by the wiring): no cold start pays for it. */
export { CloudTrailClient } from "@aws-sdk/client-cloudtrail";

/** IAM action the check calls: resource-less (IAM authorises LookupEvents on "*" only). */
export const TAG_SETTER_ACTIONS = ["cloudtrail:LookupEvents"];

/** How far back CloudTrail's event history goes. */
const LOOKBACK_MS = 90 * 86_400_000;
/** Pages (50 events each) read per lookup: LookupEvents allows 2 calls a second per account. */
const MAX_PAGES = 5;
/** A verdict is reused this long per container (the sweep sees the same resources again). */
const CACHE_MS = 5 * 60_000;

/** Calls that set tags: Tag*, Put…Tagging, CreateTags, AddTags…, and creations with tags. */
const SETS_TAGS =
  /^(Tag[A-Za-z]*|Put[A-Za-z]*Tagging|CreateTags|AddTags[A-Za-z]*|Create[A-Za-z]+)$/;

interface TrailEvent {
  eventName?: string;
  eventTime?: string;
  requestParameters?: unknown;
  userIdentity?: { arn?: string; sessionContext?: { sessionIssuer?: { arn?: string } } };
}

/**
 * Asks CloudTrail's event history (LookupEvents, in the finding's account: IAM's events are in
 * us-east-1, the others in the resource's region) who last set the exemption tags. Events are
 * looked up by resource name and by ARN (services name resources either way), newest first; the
 * first that sets one of the keys (its request names the key) is the answer.
 */
export class CloudTrailTagSetters implements TagSetters {
  private readonly cache = new Map<string, { at: number; setting: TagSetting | undefined }>();

  constructor(private readonly clientFor: (finding: Finding, region: string) => CloudTrailClient) {}

  async lastSetting(
    finding: Finding,
    tagKeys: readonly string[],
    now: number,
  ): Promise<TagSetting | undefined> {
    const cacheKey = JSON.stringify([finding.account, finding.resourceArn, tagKeys]);
    const cached = this.cache.get(cacheKey);
    if (cached && now - cached.at < CACHE_MS) return cached.setting;
    const region = finding.resourceArn.startsWith("arn:aws:iam::") ? "us-east-1" : finding.region;
    const client = this.clientFor(finding, region);
    const names = [...new Set([finding.resourceName, finding.resourceArn].filter(Boolean))];
    let newest: TagSetting | undefined;
    for (const name of names) {
      const found = await this.lookup(client, name as string, tagKeys, now);
      if (found && (!newest || found.time > newest.time)) newest = found;
    }
    this.cache.set(cacheKey, { at: now, setting: newest });
    return newest;
  }

  private async lookup(
    client: CloudTrailClient,
    resourceName: string,
    tagKeys: readonly string[],
    now: number,
  ): Promise<TagSetting | undefined> {
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const output = await client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: resourceName }],
          StartTime: new Date(now - LOOKBACK_MS),
          EndTime: new Date(now),
          MaxResults: 50,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      // Newest first: the first event that set one of the keys is the last setting.
      for (const event of output.Events ?? []) {
        if (!event.EventName || !SETS_TAGS.test(event.EventName)) continue;
        const setting = settingOf(event.CloudTrailEvent, tagKeys);
        if (setting) return setting;
      }
      token = output.NextToken;
      if (!token) return undefined;
    }
    return undefined;
  }
}

function settingOf(text: string | undefined, tagKeys: readonly string[]): TagSetting | undefined {
  let event: TrailEvent;
  try {
    event = JSON.parse(text ?? "") as TrailEvent;
  } catch {
    return undefined;
  }
  const request = JSON.stringify(event.requestParameters ?? {});
  if (!tagKeys.some((key) => request.includes(JSON.stringify(key)))) return undefined;
  const issuer = event.userIdentity?.sessionContext?.sessionIssuer?.arn;
  const principals = [issuer, event.userIdentity?.arn].filter((arn): arn is string => !!arn);
  // An event that set the tag by someone CloudTrail does not name is still the last setting: it
  // matches no setter (never an older event by an allowed one).
  return {
    principals: principals.length > 0 ? principals : ["(principal not recorded)"],
    eventName: event.eventName ?? "?",
    time: event.eventTime ?? "?",
  };
}
