import {
  CloudTrailClient,
  GetTrailCommand,
  ListTagsCommand,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { cloudTrailEncryption } from "../../../src/remediations/cloudtrail/cloudtrail-encryption.ts";
import { TEST_ACCOUNT, TEST_REGION } from "../../support/moto.ts";
import { makeFinding, TEST_SETTINGS } from "../support.ts";

// moto keeps one backend per region and no shadow copies of multi-Region trails, so the copy of a
// trail homed elsewhere is served by a mocked GetTrail (AWS returns it with its home region).
describe("cloudtrail-encryption plan (aws-sdk-client-mock: a multi-Region trail's copy moto cannot serve)", () => {
  const trails = mockClient(CloudTrailClient);
  const kms = mockClient(KMSClient);
  afterEach(() => {
    trails.reset();
    kms.reset();
  });

  it("declines a trail homed in another region, with zero mutating calls", async () => {
    const home = `arn:aws:cloudtrail:eu-west-1:${TEST_ACCOUNT}:trail/management-events`;
    trails.on(GetTrailCommand).resolves({
      Trail: { Name: "management-events", TrailARN: home, HomeRegion: "eu-west-1" },
    });
    trails.on(ListTagsCommand).resolves({ ResourceTagList: [] });
    const clients = new Map<unknown, unknown>([
      [CloudTrailClient, new CloudTrailClient({ region: TEST_REGION })],
      [KMSClient, new KMSClient({ region: TEST_REGION })],
    ]);
    const plan = await cloudTrailEncryption.plan(
      {
        s3: new S3Client({ region: TEST_REGION }),
        iam: new IAMClient({ region: TEST_REGION }),
        settings: {
          ...TEST_SETTINGS,
          cloudTrailKmsKeyArn: `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        },
        client: <C>(Client: unknown) => clients.get(Client) as C,
      },
      makeFinding("cloudtrail-encryption", "AWS::CloudTrail::Trail", "management-events", {
        resourceArn: `arn:aws:cloudtrail:${TEST_REGION}:${TEST_ACCOUNT}:trail/management-events`,
      }),
    );
    expect(plan.changes).toEqual([]);
    expect(plan.declined).toBe(
      `the trail's home region is eu-west-1, not ${TEST_REGION}: its encryption is changed there, for every region at once`,
    );
    expect(trails.commandCalls(UpdateTrailCommand)).toHaveLength(0);
    expect(kms.calls()).toHaveLength(0);
  });
});
