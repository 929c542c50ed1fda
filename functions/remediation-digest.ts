import { remediationDigestRequestSchema } from "../src/events/remediation-digest-request.ts";
import { type EventDigestReport, sendEventDigests } from "../src/usecases/event-digest.ts";
import { createEventDigestDeps } from "../src/wiring/event-digest.ts";
import { defineHandler } from "../src/wiring/handler.ts";

export interface RemediationDigestResponse {
  ok: boolean;
  error?: string;
  hour?: string;
  outcomes?: number;
  unverified?: number;
  accounts?: EventDigestReport["accounts"];
  /** alerting.mode is per-episode: the event functions send every outcome themselves. */
  skipped?: "per-episode";
}

/** Hourly: one digest per account of the previous hour's event-path outcomes nobody must act on now. */
const digest = defineHandler({
  serviceName: "vigil-remediation-digest",
  schema: remediationDigestRequestSchema,
  emptyEventIs: "empty-object",
  invalid: "invalid remediation digest request",
  build: ({ logger }) => createEventDigestDeps({ logger }),
  run: async (deps, request) => {
    if (!deps) return undefined;
    const { hour } = request as { hour?: string };
    return sendEventDigests(deps, hour ? { hour } : {});
  },
  // A digest that could not be sent gave its marker back: thrown (not answered), so that Lambda
  // retries it; only a bad hour (InputError) is answered.
  reject: (error): RemediationDigestResponse => ({ ok: false, error }),
  respond: (report): RemediationDigestResponse =>
    report
      ? {
          ok: report.accounts.every((a) => a.sent || a.alreadySent),
          hour: report.hour,
          outcomes: report.outcomes,
          unverified: report.unverified,
          accounts: report.accounts,
        }
      : { ok: true, skipped: "per-episode" },
});

export const { handler, logger } = digest;
export const setDigestDeps = digest.setDeps;
