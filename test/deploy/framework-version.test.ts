import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

describe("serverless.yml frameworkVersion", () => {
  it("is pinned to the installed osls, so a global Serverless Framework v4 launcher refuses it", async () => {
    const text = await readFile("serverless.yml", "utf8");
    // CloudFormation tags (!Ref, !GetAtt) are not YAML the default schema knows: read the key only.
    const pinned = /^frameworkVersion:\s*"([^"\n]+)"/m.exec(text)?.[1];
    const osls = JSON.parse(await readFile("node_modules/osls/package.json", "utf8")) as {
      version: string;
    };
    expect(
      pinned,
      `osls ${osls.version} is installed: set frameworkVersion to "${osls.version}"`,
    ).toBe(osls.version);
    // Serverless v4 releases carry versions like these: an exact pin matches none of them.
    expect(["4.4.0", "4.14.3", "4.20.1"]).not.toContain(pinned);
  });
});
