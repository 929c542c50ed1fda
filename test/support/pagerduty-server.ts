import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What a test PagerDuty endpoint answers to one request. */
export type PagerDutyAnswer =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | "hang";

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  raw: string;
  body: Record<string, unknown>;
}

export interface PagerDutyTestServer {
  /** http://127.0.0.1:<port>/v2/enqueue */
  url: string;
  requests: RecordedRequest[];
  /** Queues answers, one per request, in order; when empty the server accepts (202). */
  answer(...answers: PagerDutyAnswer[]): void;
  /** Answers every request with this from now on (until `answer` queues others). */
  always(answer: PagerDutyAnswer | undefined): void;
  close(): Promise<void>;
}

export const ACCEPTED = (dedupKey: unknown) => ({
  status: 202,
  body: { status: "success", message: "Event processed", dedup_key: dedupKey },
});

/** PagerDuty's answer to an invalid event (Events API v2). */
export const INVALID_EVENT = (...errors: string[]) => ({
  status: 400,
  body: { status: "invalid event", message: "Event object is invalid", errors },
});

/**
 * A stand-in for https://events.pagerduty.com/v2/enqueue on 127.0.0.1 (port 0): records every
 * request and answers what the test queued — 202, 400 with PagerDuty's error JSON, 429 with
 * Retry-After, 500, or never (a hang the client must time out).
 */
export async function startPagerDutyServer(): Promise<PagerDutyTestServer> {
  const requests: RecordedRequest[] = [];
  const queue: PagerDutyAnswer[] = [];
  let fallback: PagerDutyAnswer | undefined;
  const hanging: ServerResponse[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // recorded raw
      }
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        contentType: req.headers["content-type"],
        raw,
        body,
      });
      const answer: PagerDutyAnswer = queue.shift() ?? fallback ?? ACCEPTED(body.dedup_key);
      if (answer === "hang") {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    requests,
    answer: (...answers) => queue.push(...answers),
    always: (answer) => {
      fallback = answer;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
