import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  PagerDutyError,
  PagerDutyNotifier,
  type PagerDutyOptions,
  parseRetryAfter,
} from "../../src/adapters/pagerduty-notifier.ts";
import { RoutingKeyError } from "../../src/adapters/secret-reader.ts";
import {
  DEAD_LETTER_KIND,
  DEDUP_KEY_MAX,
  deadLetterSchema,
  pagerDutyDedupKey,
  pagerDutyEvent,
} from "../../src/domain/pagerduty-event.ts";
import {
  anomaly,
  CONSOLE_URL,
  ROUTING_KEY,
  remediation,
  remediationResolved,
} from "../support/alert-fixtures.ts";
import {
  INVALID_EVENT,
  type PagerDutyTestServer,
  startPagerDutyServer,
} from "../support/pagerduty-server.ts";

let server: PagerDutyTestServer;
let sleeps: number[];
let logged: string[];

beforeEach(async () => {
  server = await startPagerDutyServer();
  sleeps = [];
  logged = [];
});
afterEach(async () => {
  await server.close();
});

/** A fake clock the fake sleep advances, so deadlines are tested without waiting. */
function notifier(options: Partial<PagerDutyOptions> = {}) {
  let now = 0;
  return new PagerDutyNotifier({
    routingKey: async () => ROUTING_KEY,
    endpoint: server.url,
    random: () => 1,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    clock: () => now,
    logger: { warn: (...args: unknown[]) => logged.push(JSON.stringify(args)) },
    ...options,
  });
}

describe("PagerDuty Events API v2 adapter", () => {
  it("triggers with the deterministic dedup key, mapped severity, a summary that leads with the number and its unit, and the numbers in custom_details", async () => {
    const n = anomaly("critical");
    await notifier().notify(n);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0];
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/v2/enqueue");
    expect(request?.contentType).toBe("application/json");
    expect(request?.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: n.dedupKey,
      payload: {
        summary: n.summary,
        severity: "critical",
        source: "123456789012/eu-west-1",
        component: "AWS/S3 BytesDownloaded BucketName=acme-raw-landing-prod FilterId=EntireBucket",
        group: "egress",
        class: "anomaly new-episode",
        custom_details: {
          observed: 9.1e9,
          expected: 1.2e9,
          sigma: 1.1e9,
          z: 7.2,
          threshold: { upper: 4.5e9, lower: null },
          window: { days: 30, method: "seasonal", k: 3, periods: 720 },
        },
      },
      links: [{ href: CONSOLE_URL, text: "CloudWatch graph" }],
      client: "Vigil",
      client_url: CONSOLE_URL,
    });
    expect(((request?.body ?? {}) as { payload: { summary: string } }).payload.summary).toMatch(
      /^9\.1 GB out of acme-raw-landing-prod in 1 h, 7\.6× normal \(1\.2 GB\)\. CRITICAL egress anomaly in 123456789012 eu-west-1: /,
    );
    expect(n.dedupKey).toMatch(
      /^vigil:anomaly:AWS\/S3\|BytesDownloaded\|[^:]*BucketName=acme-raw-landing-prod[^:]*$/,
    );
    expect(
      Date.parse(String((request?.body.payload as { timestamp?: string } | undefined)?.timestamp)),
    ).not.toBeNaN();
  });

  it("maps every severity one to one", async () => {
    await notifier().notify(anomaly("warning"));
    await notifier().notify(remediation("applied")); // info
    await notifier().notify(anomaly("critical"));
    expect(server.requests.map((r) => (r.body.payload as { severity: string }).severity)).toEqual([
      "warning",
      "info",
      "critical",
    ]);
  });

  it("puts before → after and the undo command of a remediation in custom_details, the resource as source", async () => {
    const n = remediation("applied");
    await notifier().notify(n);
    expect(server.requests[0]?.body).toMatchObject({
      event_action: "trigger",
      dedup_key:
        "vigil:remediation:123456789012/eu-west-1/acme-raw-landing-prod/s3-bucket-server-side-encryption-enabled",
      payload: {
        source: "arn:aws:s3:::acme-raw-landing-prod",
        component: "AWS::S3::Bucket",
        group: "s3-bucket-server-side-encryption-enabled",
        class: "remediation applied",
        custom_details: {
          before: { encryption: "AES256" },
          after: { encryption: "aws:kms" },
          undo: "vigil undo 20261120T100000Z-0a0b0c0d",
        },
      },
    });
  });

  it("resolves with the same dedup key and nothing else", async () => {
    const trigger = anomaly("critical");
    const resolve = anomaly("critical", "resolved");
    await notifier().notify(trigger);
    await notifier().notify(resolve);
    await notifier().notify(remediationResolved());
    expect(server.requests[1]?.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "resolve",
      dedup_key: trigger.dedupKey,
    });
    expect(server.requests[2]?.body.dedup_key).toBe(remediation().dedupKey);
  });

  it("does not retry a 400 and reports PagerDuty's own error text", async () => {
    server.answer(INVALID_EVENT("'payload.summary' is missing or blank"));
    const error = await notifier()
      .notify(anomaly())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyError);
    expect((error as PagerDutyError).retryable).toBe(false);
    expect((error as PagerDutyError).status).toBe(400);
    expect((error as Error).message).toContain(
      "HTTP 400: Event object is invalid; 'payload.summary' is missing or blank",
    );
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("waits at least what Retry-After asks after a 429, then delivers", async () => {
    server.answer({ status: 429, headers: { "retry-after": "2" }, body: { status: "throttled" } });
    const accepted = await notifier().send(pagerDutyEvent(anomaly(), "2026-11-24T08:15:00Z"));
    expect(accepted.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
    expect(sleeps[0]).toBeLessThanOrEqual(2000 + 100);
  });

  it("retries 5xx with exponential backoff and full jitter, bounded by maxDelayMs", async () => {
    server.answer(
      { status: 500 },
      { status: 502 },
      { status: 503 },
      { status: 500 },
      { status: 500 },
    );
    const randoms = [0.5, 1, 1, 1, 1];
    const error = await notifier({ maxAttempts: 6, random: () => randoms.shift() ?? 1 })
      .notify(anomaly())
      .catch((e: unknown) => e);
    // 6th attempt is accepted (the queue had five failures).
    expect(error).toBeUndefined();
    expect(server.requests).toHaveLength(6);
    // base 100: 0.5·100, 200, 400, 800, then capped at 1000
    expect(sleeps).toEqual([50, 200, 400, 800, 1000]);
  });

  it("gives up after maxAttempts of 5xx with a retryable error", async () => {
    server.always({ status: 503, body: { status: "unavailable" } });
    const error = await notifier({ maxAttempts: 3 })
      .notify(anomaly())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyError);
    expect((error as PagerDutyError).retryable).toBe(true);
    expect((error as Error).message).toBe(
      "PagerDuty unavailable after 3 attempt(s): HTTP 503: unavailable",
    );
    expect(server.requests).toHaveLength(3);
  });

  it("times out a request that never answers (AbortSignal.timeout) and retries it", async () => {
    server.always("hang");
    const started = Date.now();
    const error = await notifier({ timeoutMs: 150, maxAttempts: 2 })
      .notify(anomaly())
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "PagerDuty unavailable after 2 attempt(s): no answer within 150 ms",
    );
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("stops when waiting for Retry-After would pass the deadline", async () => {
    server.answer({ status: 429, headers: { "retry-after": "120" } });
    const error = await notifier({ deadlineMs: 25_000 })
      .notify(anomaly())
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^PagerDuty unavailable: HTTP 429; waiting 12\d{4} ms more would pass the 25000 ms budget \(1 attempt\(s\) made\)$/,
    );
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("reports a refused connection as unavailable", async () => {
    const url = server.url;
    await server.close();
    server = await startPagerDutyServer(); // afterEach closes this one
    const error = await notifier({ endpoint: url, maxAttempts: 2 })
      .notify(anomaly())
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^PagerDuty unavailable after 2 attempt\(s\): TypeError: fetch failed/,
    );
  });

  it("never lets the routing key into an error or a log line, even when PagerDuty echoes it", async () => {
    server.answer(
      { status: 500, body: { message: `bad key ${ROUTING_KEY}` } },
      INVALID_EVENT(`routing_key ${ROUTING_KEY} is not an Events API v2 integration`),
    );
    const error = await notifier()
      .notify(anomaly())
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain("routing_key [redacted] is not");
    expect((error as Error).message).not.toContain(ROUTING_KEY);
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line).not.toContain(ROUTING_KEY);
    expect(logged.join("\n")).toContain("bad key [redacted]");
  });

  it("sends nothing when the routing key cannot be read, and says which setting", async () => {
    const error = await notifier({
      routingKey: async () => {
        throw new RoutingKeyError(
          'cannot read the PagerDuty routing key from Secrets Manager secret "vigil/pagerduty" (VIGIL_PAGERDUTY_SECRET): ResourceNotFoundException: not found',
        );
      },
    })
      .notify(anomaly())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RoutingKeyError);
    expect((error as Error).message).toContain("VIGIL_PAGERDUTY_SECRET");
    expect(server.requests).toHaveLength(0);
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    server.always("hang");
    const pd = notifier({ concurrency: 2, timeoutMs: 200, maxAttempts: 1 });
    const sends = Array.from({ length: 5 }, () => pd.notify(anomaly()).catch(() => undefined));
    await vi.waitFor(() => expect(server.requests.length).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(2);
    await Promise.all(sends);
    expect(server.requests).toHaveLength(5);
  });
});

describe("pagerDutyDedupKey", () => {
  it("keeps keys PagerDuty accepts and shortens longer ones deterministically", async () => {
    expect(pagerDutyDedupKey("vigil:anomaly:x")).toBe("vigil:anomaly:x");
    const long = `vigil:anomaly:${"Dim=value,".repeat(40)}`;
    const a = pagerDutyDedupKey(long);
    const b = pagerDutyDedupKey(`${long}other`);
    expect(a.length).toBeLessThanOrEqual(DEDUP_KEY_MAX);
    expect(a).toBe(pagerDutyDedupKey(long));
    expect(a).not.toBe(b);
    expect(a.startsWith("vigil:anomaly:Dim=value,")).toBe(true);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-24T08:00:00Z");
  it("reads seconds and HTTP dates, ignores garbage", () => {
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter("Tue, 24 Nov 2026 08:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 24 Nov 2026 07:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("graph image on a page (alerting.pagerduty.graphImage)", () => {
  const GRAPH = { metrics: [["AWS/S3", "BytesDownloaded"]], region: "eu-west-1" };
  const rendered: unknown[] = [];
  const images = (fail = false) => ({
    render: async (widget: unknown, name: string) => {
      rendered.push({ widget, name });
      if (fail) throw new Error("Throttling: rate exceeded");
      return {
        url: "https://journal.example/graph-images/abc.png?X-Amz-Signature=s",
        alt: "graph",
      };
    },
  });
  beforeEach(() => {
    rendered.length = 0;
  });

  it("attaches the rendered graph as PagerDuty images, linked to the CloudWatch graph", async () => {
    const n = { ...anomaly("critical"), graph: GRAPH };
    await notifier({ graphImages: images() }).notify(n);
    expect(rendered).toEqual([{ widget: GRAPH, name: n.dedupKey }]);
    expect(server.requests[0]?.body.images).toEqual([
      {
        src: "https://journal.example/graph-images/abc.png?X-Amz-Signature=s",
        alt: "graph",
        href: CONSOLE_URL,
      },
    ]);
    // A page PagerDuty refused waits in the dead-letter queue with its picture; redrive accepts it.
    const event = pagerDutyEvent(n, "2026-12-04T10:00:00Z", { url: "https://x/y.png", alt: "g" });
    expect(
      deadLetterSchema.safeParse({
        version: 1,
        kind: DEAD_LETTER_KIND,
        queuedAt: "2026-12-04T10:00:00Z",
        reason: "HTTP 500",
        event,
      }).success,
    ).toBe(true);
  });

  it("a graph that cannot be rendered never holds back the page: sent without it, said in a warning", async () => {
    const n = { ...anomaly("critical"), graph: GRAPH };
    await notifier({ graphImages: images(true) }).notify(n);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body.images).toBeUndefined();
    expect(logged.join("\n")).toContain("graph image not attached");
    expect(logged.join("\n")).toContain("Throttling: rate exceeded");
  });

  it("renders nothing for a resolve, a remediation, or when the option is off", async () => {
    await notifier({ graphImages: images() }).notify({
      ...anomaly("critical", "resolved"),
      graph: GRAPH,
    });
    await notifier({ graphImages: images() }).notify(remediation("applied"));
    await notifier().notify({ ...anomaly("critical"), graph: GRAPH });
    expect(rendered).toEqual([]);
    expect(server.requests.map((r) => r.body.images)).toEqual([undefined, undefined, undefined]);
  });
});
