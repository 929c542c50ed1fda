import { describe, expect, it } from "vitest";
import { redactDocuments } from "../../src/domain/document-redaction.ts";
import { contentHash } from "../../src/domain/journal-integrity.ts";

describe("redactDocuments", () => {
  it("replaces policy documents by their hash, at any depth, and keeps everything else", () => {
    const policy = '{"Statement":[{"Effect":"Allow","Principal":"*"}]}';
    const trust = { Statement: [{ Principal: { AWS: "arn:aws:iam::999988887777:root" } }] };
    const value = {
      bucket: "b",
      policy,
      changes: [{ action: "s3:PutBucketPolicy", params: { Bucket: "b", Policy: policy } }],
      role: { trustPolicy: "%7B%22Statement%22%3A%5B%5D%7D", PolicyDocument: trust },
      attached: [{ policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }],
      riskyPolicy: "AdministratorAccess",
      existingPolicy: null,
    };
    expect(redactDocuments(value)).toEqual({
      bucket: "b",
      policy: contentHash(policy),
      changes: [
        { action: "s3:PutBucketPolicy", params: { Bucket: "b", Policy: contentHash(policy) } },
      ],
      role: {
        trustPolicy: contentHash("%7B%22Statement%22%3A%5B%5D%7D"),
        PolicyDocument: contentHash(trust),
      },
      attached: [{ policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }],
      riskyPolicy: "AdministratorAccess",
      existingPolicy: null,
    });
    // The input is not modified.
    expect(value.policy).toBe(policy);
  });
});
