import { createHash } from "node:crypto";
import { centralExemptionSchema } from "../config/remediation-config.ts";
import type { CentralExemption } from "../domain/guards.ts";
import { exemptionSourceNotification } from "../domain/remediation-notification.ts";
import type { ExemptionParameters } from "../ports/exemption-parameters.ts";
import type { RemediationDeps } from "./remediation-deps.ts";

type Deps = Pick<RemediationDeps, "config" | "journal" | "notifier" | "clock" | "logger"> & {
  exemptionParameters?: ExemptionParameters;
};

/** How long a problem told once stays told (the claim's lease; settled claims never expire). */
const TOLD_LEASE_MS = 15 * 60_000;

/**
 * The central exemption list: the config file's entries, then those under
 * `remediation.exemptions.ssmPath`, each parsed with the same schema. An entry that does not
 * parse is ignored and told once (it never widens anything); a source that cannot be read grants
 * nothing (fail closed) and is told once a day. Expiry and distance are checked where exemptions
 * are evaluated, for every source alike.
 */
export async function centralExemptions(deps: Deps): Promise<readonly CentralExemption[]> {
  const { list } = deps.config.exemptions;
  const parameters = deps.exemptionParameters;
  if (!parameters) return list;
  let read: Awaited<ReturnType<ExemptionParameters["read"]>>;
  try {
    read = await parameters.read();
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    const day = new Date(deps.clock()).toISOString().slice(0, 10);
    await tellOnce(
      deps,
      parameters.source,
      `cannot be read (${name}: ${message}): no exemption granted from it`,
      day,
    );
    return list;
  }
  const entries: CentralExemption[] = [...list];
  for (const { name, value } of read) {
    const parsed = parseEntry(value);
    if ("problem" in parsed) {
      await tellOnce(deps, parameters.source, `entry ${name} ignored: ${parsed.problem}`);
      continue;
    }
    entries.push({ ...parsed.entry, origin: `SSM ${name}` });
  }
  return entries;
}

function parseEntry(value: string): { entry: CentralExemption } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { problem: "not a JSON object {resource, reason, approver, until}" };
  }
  const result = centralExemptionSchema.safeParse(json);
  if (result.success) return { entry: result.data };
  const issues = result.error.issues.map((i) => `${i.path.join(".") || "(entry)"}: ${i.message}`);
  return { problem: issues.join("; ") };
}

/**
 * Logs a warning every time, and tells people once per problem (a journal claim keyed by it;
 * `period` makes it once per period). A notification that cannot be sent is only logged.
 */
async function tellOnce(deps: Deps, source: string, problem: string, period = ""): Promise<void> {
  deps.logger.warn("exemption source problem", { source, problem });
  const key = `exemption-source:${createHash("sha256")
    .update(JSON.stringify([source, problem, period]))
    .digest("hex")}`;
  try {
    const claim = await deps.journal.claim(key, {
      holder: "exemption-source",
      now: deps.clock(),
      leaseMs: TOLD_LEASE_MS,
    });
    if (!claim.claimed) return;
    await deps.notifier.notify(exemptionSourceNotification(source, problem));
    await deps.journal.settle(key, "exemption-source");
  } catch (error) {
    deps.logger.error("exemption source problem not told", {
      source,
      problem,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
