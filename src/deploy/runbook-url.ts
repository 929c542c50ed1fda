import { readFileSync } from "node:fs";
import { ConfigError } from "../config/errors.ts";
import type { VigilConfig } from "../config/load.ts";
import { RUNBOOK_PATH } from "../domain/runbook.ts";

/**
 * `alerting.runbookUrl` must be absolute in a deployed stack: a relative path in a page is not a
 * link. When the config does not set it, the runbook on the repository's web page is used, from
 * package.json's `repository` (a fork that sets its own repository links its own runbook).
 */

/** `git+https://github.com/o/r.git`, `github:o/r`, `{ url }` → `https://github.com/o/r`. */
export function repositoryWebUrl(repository: unknown): string | undefined {
  const raw =
    typeof repository === "string"
      ? repository
      : typeof repository === "object" && repository !== null && "url" in repository
        ? String((repository as { url: unknown }).url)
        : undefined;
  if (!raw) return undefined;
  const shorthand = /^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(raw);
  if (shorthand) return `https://github.com/${shorthand[1]}/${shorthand[2]}`;
  const url = raw
    .replace(/^git\+/, "")
    .replace(/^git@([^:]+):/, "https://$1/")
    .replace(/^git:\/\//, "https://")
    .replace(/\.git$/, "");
  return /^https:\/\/[^/]+\/.+/.test(url) ? url : undefined;
}

/** The runbook's page on the repository's web host (GitHub-style `blob/main/…`). */
export function defaultRunbookUrl(repository: unknown): string | undefined {
  const web = repositoryWebUrl(repository);
  return web ? `${web}/blob/main/${RUNBOOK_PATH}` : undefined;
}

/** package.json's `repository`, which names where the runbook is published. */
export function packageRepository(): unknown {
  const path = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(path, "utf8")) as { repository?: unknown }).repository;
}

/** The config as deployed: `alerting.runbookUrl` set, or a ConfigError saying how to set it. */
export function withRunbookUrl(
  config: VigilConfig,
  repository: () => unknown = packageRepository,
): VigilConfig {
  if (config.alerting.runbookUrl) return config;
  const runbookUrl = defaultRunbookUrl(repository());
  if (!runbookUrl) {
    throw new ConfigError(
      "alerting.runbookUrl is required at deploy (an absolute URL of docs/oncall-runbook.md): set it in the config, or set `repository` in package.json to derive it",
    );
  }
  return { ...config, alerting: { ...config.alerting, runbookUrl } };
}
