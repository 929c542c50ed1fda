import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { runRemediateCommand, runUndoCommand } from "../../src/cli/remediate.ts";
import { createRemediationDeps } from "../../src/wiring/remediation.ts";
import { awsError, NOW, testConfig } from "../usecases/fakes.ts";
import { cliApp, fixture, io } from "./remediation-app.ts";

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "vigil-cli-")), "event.json");
  writeFileSync(path, content);
  return path;
}

describe("vigil remediate", () => {
  it("--dry-run plans, changes nothing and shows what would be sent", async () => {
    const { createApp, remediation, requests } = cliApp();
    const cli = io();
    const code = await runRemediateCommand(
      { eventFile: fixture("config-s3-encryption-noncompliant"), dryRun: true },
      cli.sink,
      createApp,
    );
    expect(code).toBe(0);
    expect(requests).toEqual([{ dryRun: true }]);
    expect(remediation.calls.map((c) => c.phase)).toEqual(["plan"]);
    expect(cli.text()).toContain("outcome: would-change: dry run: would have applied 1 change(s)");
    expect(cli.text()).toContain(
      "finding: s3-encryption on arn:aws:s3:::acme-raw-landing-prod (123456789012 eu-west-1), rule s3-bucket-server-side-encryption-enabled",
    );
    expect(cli.text()).toContain("1. s3:FakeAction1: fake change 1");
    expect(cli.text()).toMatch(/notification \(not sent, dry run\): \[Vigil INFO\] would fix/);
  });

  it("--json prints one JSON document", async () => {
    const { createApp } = cliApp();
    const cli = io();
    const code = await runRemediateCommand(
      { eventFile: fixture("access-analyzer-s3-public"), dryRun: true, json: true },
      cli.sink,
      createApp,
    );
    expect(code).toBe(0);
    const doc = JSON.parse(cli.text());
    expect(doc).toMatchObject({
      outcome: "would-change",
      finding: { source: "cli", kind: "s3-public-access" },
    });
  });

  it("applies for real without --dry-run and prints the undo command; undo restores", async () => {
    const { createApp, remediation } = cliApp();
    const cli = io();
    expect(
      await runRemediateCommand(
        { eventFile: fixture("access-analyzer-iam-role-external") },
        cli.sink,
        createApp,
      ),
    ).toBe(0);
    expect(cli.text()).toContain("outcome: applied");
    expect(cli.text()).toContain("undo: vigil undo 20261120T100000Z-00000001");

    const undo = io();
    expect(
      await runUndoCommand({ id: "20261120T100000Z-00000001", yes: true }, undo.sink, createApp),
    ).toBe(0);
    expect(undo.text()).toMatch(/^undone: restored the state before 20261120T100000Z-00000001/);
    expect(remediation.calls.filter((c) => c.phase === "undo")).toHaveLength(1);

    const again = io();
    expect(
      await runUndoCommand({ id: "20261120T100000Z-00000001", yes: true }, again.sink, createApp),
    ).toBe(0);
    expect(again.text()).toMatch(/^already-undone/);
  });

  it("an ignored event exits 0 and says why", async () => {
    const { createApp } = cliApp();
    const cli = io();
    expect(
      await runRemediateCommand(
        { eventFile: fixture("access-analyzer-archived") },
        cli.sink,
        createApp,
      ),
    ).toBe(0);
    expect(cli.text()).toBe("outcome: ignored: finding is ARCHIVED: nothing to change");
  });

  it("a failed remediation exits 1", async () => {
    const { createApp } = cliApp({
      applyError: { index: 0, error: awsError("AccessDenied", 403) },
    });
    const cli = io();
    expect(
      await runRemediateCommand(
        { eventFile: fixture("config-s3-public-access-noncompliant") },
        cli.sink,
        createApp,
      ),
    ).toBe(1);
    expect(cli.text()).toContain("outcome: failed");
    expect(cli.text()).toContain("1. s3:FakeAction1: fake change 1 [failed]");
  });

  it.each([
    ["a missing file", () => "/nonexistent/event.json", /cannot read event file/],
    ["invalid JSON", () => tempFile("{ nope"), /cannot read event file/],
    [
      "an invalid Config event",
      () => tempFile(JSON.stringify({ source: "aws.config", id: "x" })),
      /invalid Config event:\n/,
    ],
    [
      "AWS's documented Access Preview State Change",
      () => fixture("aws-doc-access-preview-state-change"),
      /^vigil remediate: unsupported detail-type "Access Preview State Change" from aws.access-analyzer: Vigil handles "Access Analyzer Finding" and "Unused Access Finding for IAM entities" only\n\(event id "[^"]+"\)$/,
    ],
    [
      "AWS's documented Internal Access Finding",
      () => fixture("aws-doc-internal-access-finding"),
      /^vigil remediate: unsupported detail-type "Internal Access Finding" from aws.access-analyzer/,
    ],
    [
      "an unknown source",
      () => tempFile(JSON.stringify({ source: "aws.ec2" })),
      /unsupported event source "aws.ec2"/,
    ],
  ])("%s exits 2 before building anything", async (_name, path, message) => {
    const { createApp, requests } = cliApp();
    const cli = io();
    expect(await runRemediateCommand({ eventFile: path() }, cli.sink, createApp)).toBe(2);
    expect(cli.err.join("\n")).toMatch(message);
    expect(requests).toEqual([]);
  });

  it("resolves IAM unique ids in the finding's account, as the functions do", async () => {
    const sts = mockClient(STSClient);
    const iam = mockClient(IAMClient);
    try {
      sts.on(AssumeRoleCommand).resolves({
        Credentials: {
          AccessKeyId: "ASIAMEMBER",
          SecretAccessKey: "secret",
          SessionToken: "token",
          Expiration: new Date(NOW + 3_600_000),
        },
      });
      iam.on(ListUsersCommand).resolves({
        Users: [
          {
            UserId: "AIDAEXAMPLEUSERID0001",
            UserName: "etl-bot",
            Arn: "arn:aws:iam::444455556666:user/etl-bot",
            Path: "/",
            CreateDate: new Date(NOW),
          },
        ],
      });
      const { createApp } = cliApp(
        { kinds: ["iam-risky-policy"] },
        { defaultMode: "enforce", allowedAccounts: ["123456789012", "444455556666"] },
        { VIGIL_MEMBER_EXTERNAL_ID: "vigil-test-external-id" },
      );
      const event = JSON.parse(
        readFileSync(fixture("config-iam-user-policies-noncompliant"), "utf8"),
      ) as { account: string; detail: { awsAccountId: string } };
      event.account = "444455556666";
      event.detail.awsAccountId = "444455556666";
      const cli = io();
      const code = await runRemediateCommand(
        { eventFile: tempFile(JSON.stringify(event)), dryRun: true, json: true },
        cli.sink,
        createApp,
      );
      expect(cli.err).toEqual([]);
      expect(code).toBe(0);
      expect(JSON.parse(cli.text()).finding).toMatchObject({
        account: "444455556666",
        resourceArn: "arn:aws:iam::444455556666:user/etl-bot",
      });
      // The id was looked up with the member account's role, not the home account's credentials.
      expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toMatch(
        /^arn:aws:iam::444455556666:role\//,
      );
      const [listed] = iam.commandCalls(ListUsersCommand);
      if (!listed) throw new Error("the IAM id was never resolved");
      const client = listed.thisValue as {
        config: { credentials: () => Promise<{ accessKeyId: string }> };
      };
      const credentials = await client.config.credentials();
      expect(credentials.accessKeyId).toBe("ASIAMEMBER");
    } finally {
      sts.restore();
      iam.restore();
    }
  });

  it("a bad config exits 2", async () => {
    const cli = io();
    const code = await runRemediateCommand(
      { eventFile: fixture("config-s3-encryption-noncompliant") },
      cli.sink,
      async () =>
        createRemediationDeps({
          loadConfig: async () => testConfig({ defaultMode: "fix" as "notify" }),
        }),
    );
    expect(code).toBe(2);
    expect(cli.err.join("\n")).toMatch(/remediation\.defaultMode/);
  });
});

describe("vigil undo", () => {
  it("rejects ids that are not journal ids (2) and unknown ids (2)", async () => {
    const { createApp, requests } = cliApp();
    const bad = io();
    expect(await runUndoCommand({ id: "../etc/passwd" }, bad.sink, createApp)).toBe(2);
    expect(requests).toEqual([]);
    const unknown = io();
    expect(await runUndoCommand({ id: "20261120T100000Z-ffffffff" }, unknown.sink, createApp)).toBe(
      2,
    );
    expect(unknown.text()).toBe("not-found: no journal record 20261120T100000Z-ffffffff");
  });

  it("an undo that fails exits 1", async () => {
    const { createApp } = cliApp({ undo: { ok: false, detail: "still different" } });
    await runRemediateCommand(
      { eventFile: fixture("config-s3-encryption-noncompliant") },
      io().sink,
      createApp,
    );
    const cli = io();
    expect(
      await runUndoCommand(
        { id: "20261120T100000Z-00000001", json: true, yes: true },
        cli.sink,
        createApp,
      ),
    ).toBe(1);
    expect(JSON.parse(cli.text())).toMatchObject({ outcome: "undo-failed" });
  });
});
