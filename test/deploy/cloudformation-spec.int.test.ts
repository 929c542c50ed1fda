/**
 * The packaged template and the member-account template are checked against the CloudFormation
 * resource specification (@aws-cdk/aws-service-spec): types, properties, required properties,
 * Ref/GetAtt/Sub targets and attributes. A template CloudFormation would refuse fails here, not on
 * a customer's first deploy.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type PackagedService, packageService } from "../../src/deploy/package-service.ts";
import { type Template, validateTemplate } from "../support/cloudformation-spec.ts";

let packaged: PackagedService;

beforeAll(async () => {
  packaged = await packageService({ stage: "ci" });
}, 180_000);

afterAll(async () => {
  await packaged?.cleanup();
});

describe("templates against the CloudFormation resource specification", () => {
  it("the packaged central stack: every type, property, required property and reference is valid", async () => {
    expect(await validateTemplate(packaged.template as Template)).toEqual([]);
  });

  it("deploy/member-account.yaml (StackSets): valid as well", async () => {
    const template = parse(await readFile("deploy/member-account.yaml", "utf8")) as Template;
    expect(await validateTemplate(template)).toEqual([]);
  });

  it("the checker bites: unknown property, missing required property, wrong type, bad GetAtt", async () => {
    const problems = await validateTemplate({
      Resources: {
        Queue: {
          Type: "AWS::SQS::Queue",
          Properties: { VisibilityTimeout: "long", Colour: "red" },
        },
        Key: { Type: "AWS::KMS::Alias", Properties: { AliasName: "alias/x" } },
        Topic: {
          Type: "AWS::SNS::Topic",
          Properties: { KmsMasterKeyId: { "Fn::GetAtt": ["Queue", "Colour"] } },
        },
        Nothing: { Type: "AWS::Nope::Thing" },
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "Queue.VisibilityTimeout: expected a number",
        "Queue.Colour: no such property",
        "Key.TargetKeyId: required",
        "Topic.KmsMasterKeyId: AWS::SQS::Queue has no attribute Colour",
        "Nothing: unknown resource type AWS::Nope::Thing",
      ]),
    );
  });
});
