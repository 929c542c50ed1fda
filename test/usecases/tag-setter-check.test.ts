import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { CloudTrailTagSetters } from "../../src/adapters/cloudtrail-tag-setters.ts";
import { ConfigError } from "../../src/config/errors.ts";
import {
  parseRemediationConfig,
  type RemediationConfigInput,
} from "../../src/config/remediation-config.ts";
import { remediateFinding } from "../../src/usecases/remediate-finding.ts";
import { ACCOUNT, awsError, fakeRemediation, makeFinding, NOW, testDeps } from "./fakes.ts";

const SECURITY_ROLE = `arn:aws:iam::${ACCOUNT}:role/security/exemption-granter`;
const OWNER = `arn:aws:iam::${ACCOUNT}:user/bucket-owner`;
const TAGS = { "vigil:exempt": "public website", "vigil:exempt-until": "2026-12-31" };

/** A CloudTrail event record as LookupEvents returns it (CloudTrailEvent is the JSON text). */
function trailEvent(eventName: string, time: string, who: "security" | "owner", keys = TAGS) {
  const userIdentity =
    who === "security"
      ? {
          type: "AssumedRole",
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/exemption-granter/alice`,
          sessionContext: { sessionIssuer: { type: "Role", arn: SECURITY_ROLE } },
        }
      : { type: "IAMUser", arn: OWNER };
  return {
    EventName: eventName,
    EventTime: new Date(time),
    CloudTrailEvent: JSON.stringify({
      eventName,
      eventTime: time,
      userIdentity,
      requestParameters: {
        bucketName: "acme-raw-landing-prod",
        Tagging: {
          TagSet: { Tag: Object.entries(keys).map(([Key, Value]) => ({ Key, Value })) },
        },
      },
    }),
  };
}

const VERIFIED: RemediationConfigInput = {
  defaultMode: "enforce",
  exemptions: { tags: "verified", tagSetters: [SECURITY_ROLE] },
};

function setup() {
  const remediation = fakeRemediation({ tags: TAGS });
  const deps = testDeps([remediation], VERIFIED);
  const tagSetters = new CloudTrailTagSetters(() => new CloudTrailClient({}));
  return { deps: { ...deps, tagSetters }, remediation };
}

describe("verified tag exemptions: CloudTrail LookupEvents mocked with aws-sdk-client-mock (moto has no LookupEvents) (issue 14 item 3b)", () => {
  const trail = mockClient(CloudTrailClient);
  afterEach(() => {
    trail.reset();
  });
  const told = (deps: ReturnType<typeof setup>["deps"]) =>
    deps.notifier.sent.map((n) => n.body).join("\n");

  it("tags last set by a configured setter exempt the resource, and the reason says who set them", async () => {
    trail.on(LookupEventsCommand).resolves({
      Events: [trailEvent("PutBucketTagging", "2026-11-19T08:00:00Z", "security")],
    });
    const { deps } = setup();
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("exempt");
    expect(outcome.reason).toContain(`tags set by ${SECURITY_ROLE} at 2026-11-19T08:00:00Z`);
  });

  it("tags the owner set himself do not count: fixed, and people are told who set them", async () => {
    trail.on(LookupEventsCommand).resolves({
      Events: [
        // Newest first: the owner re-put the tags after security had set them once.
        trailEvent("PutBucketTagging", "2026-11-20T09:00:00Z", "owner"),
        trailEvent("PutBucketTagging", "2026-11-01T08:00:00Z", "security"),
      ],
    });
    const { deps } = setup();
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("applied");
    expect(told(deps)).toMatch(
      new RegExp(
        `Exemption NOT honoured: .*set by ${OWNER} \\(PutBucketTagging at 2026-11-20T09:00:00Z\\), who is not in remediation.exemptions.tagSetters`,
      ),
    );
  });

  it("no event within CloudTrail's 90 days (or only events that set other tags): not exempt, people told", async () => {
    trail.on(LookupEventsCommand).resolves({
      Events: [
        trailEvent("PutBucketTagging", "2026-11-19T08:00:00Z", "security", {
          team: "web",
        } as never),
        trailEvent("PutBucketPolicy", "2026-11-19T07:00:00Z", "security"),
      ],
    });
    const { deps } = setup();
    const outcome = await remediateFinding(deps, makeFinding());
    expect(outcome.outcome).toBe("applied");
    expect(told(deps)).toMatch(/no CloudTrail event of the last 90 days shows who set/);
    expect(trail).toHaveReceivedCommandWith(LookupEventsCommand, {
      LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: "acme-raw-landing-prod" }],
      StartTime: new Date(NOW - 90 * 86_400_000),
    });
  });

  it("CloudTrail refusing the question grants nothing; throttling is retried, not read as an answer", async () => {
    trail.on(LookupEventsCommand).rejects(awsError("AccessDeniedException", 400));
    const denied = setup();
    expect((await remediateFinding(denied.deps, makeFinding())).outcome).toBe("applied");
    expect(told(denied.deps)).toMatch(
      /CloudTrail could not tell who set them \(AccessDeniedException/,
    );

    trail.reset();
    trail.on(LookupEventsCommand).rejects(awsError("ThrottlingException", 400));
    const throttled = setup();
    await expect(remediateFinding(throttled.deps, makeFinding())).rejects.toThrow(/Throttling/);
    expect(throttled.remediation.calls.map((c) => c.phase)).toEqual(["plan"]);
  });

  it("CloudTrail is asked only when the tags would exempt, in us-east-1 for IAM, by name and ARN, cached", async () => {
    trail.on(LookupEventsCommand).resolves({ Events: [] });
    const regions: string[] = [];
    const setters = new CloudTrailTagSetters((_, region) => {
      regions.push(region);
      return new CloudTrailClient({ region });
    });
    const role = makeFinding({
      resourceArn: `arn:aws:iam::${ACCOUNT}:role/app/etl`,
      resourceName: "etl",
      region: "eu-west-1",
    });
    expect(await setters.lastSetting(role, ["vigil:exempt"], NOW)).toBeUndefined();
    expect(await setters.lastSetting(role, ["vigil:exempt"], NOW + 60_000)).toBeUndefined();
    expect(regions).toEqual(["us-east-1"]);
    expect(
      trail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input.LookupAttributes?.[0]),
    ).toEqual([
      { AttributeKey: "ResourceName", AttributeValue: "etl" },
      { AttributeKey: "ResourceName", AttributeValue: `arn:aws:iam::${ACCOUNT}:role/app/etl` },
    ]);

    // Expired tags exempt nothing, so CloudTrail is not asked.
    trail.reset();
    const expired = testDeps(
      [fakeRemediation({ tags: { ...TAGS, "vigil:exempt-until": "2026-01-01" } })],
      VERIFIED,
    );
    await remediateFinding({ ...expired, tagSetters: setters }, makeFinding());
    expect(trail).toHaveReceivedCommandTimes(LookupEventsCommand, 0);
  });

  it("verified mode needs at least one setter", () => {
    expect(() => parseRemediationConfig({ exemptions: { tags: "verified" } })).toThrow(ConfigError);
  });
});
