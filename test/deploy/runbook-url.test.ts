import { describe, expect, it } from "vitest";
import { ConfigError, loadConfigFile } from "../../src/config/load.ts";
import { repositoryWebUrl, withRunbookUrl } from "../../src/deploy/runbook-url.ts";

describe("alerting.runbookUrl at deploy", () => {
  it("reads the repository's web address from every package.json form", () => {
    expect(repositoryWebUrl({ type: "git", url: "git+https://github.com/acme/vigil.git" })).toBe(
      "https://github.com/acme/vigil",
    );
    expect(repositoryWebUrl("github:acme/vigil")).toBe("https://github.com/acme/vigil");
    expect(repositoryWebUrl("acme/vigil")).toBe("https://github.com/acme/vigil");
    expect(repositoryWebUrl("git@gitlab.example.com:sec/vigil.git")).toBe(
      "https://gitlab.example.com/sec/vigil",
    );
    expect(repositoryWebUrl(undefined)).toBeUndefined();
    expect(repositoryWebUrl({ url: "file:../vigil" })).toBeUndefined();
  });

  it("defaults to the runbook on the repository's page; a configured URL wins", async () => {
    const config = await loadConfigFile("vigil.config.yaml");
    expect(config.alerting.runbookUrl).toBeUndefined();
    const deployed = withRunbookUrl(config, () => "git+https://github.com/acme/vigil.git");
    expect(deployed.alerting.runbookUrl).toBe(
      "https://github.com/acme/vigil/blob/main/docs/oncall-runbook.md",
    );
    const own = { ...config, alerting: { ...config.alerting, runbookUrl: "https://wiki/x" } };
    expect(withRunbookUrl(own, () => "acme/vigil").alerting.runbookUrl).toBe("https://wiki/x");
  });

  it("is required: no URL and no repository refuses to generate the deployed config", async () => {
    const config = await loadConfigFile("vigil.config.yaml");
    expect(() => withRunbookUrl(config, () => undefined)).toThrow(ConfigError);
    expect(() => withRunbookUrl(config, () => undefined)).toThrow(
      /alerting\.runbookUrl is required/,
    );
    // This repository's own package.json names it.
    expect(withRunbookUrl(config).alerting.runbookUrl).toMatch(
      /^https:\/\/.+\/blob\/main\/docs\/oncall-runbook\.md$/,
    );
  });
});
