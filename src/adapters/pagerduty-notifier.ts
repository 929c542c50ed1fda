import type { Logger } from "@aws-lambda-powertools/logger";
import { VigilError } from "../domain/errors.ts";
import type { Notification } from "../domain/notification.ts";
import {
  PAGERDUTY_EVENTS_URL,
  type PagerDutyEvent,
  pagerDutyEvent,
} from "../domain/pagerduty-event.ts";
import type { GraphImage, GraphImages } from "../ports/graph-images.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { RoutingKeyReader } from "./secret-reader.ts";

/**
 * PagerDuty Events API v2 over `fetch`: trigger and resolve with Vigil's deterministic dedup keys.
 * The routing key is read from a secret on demand, sent only in the request body, and scrubbed from
 * every error and log line.
 */

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** Why PagerDuty did not take an event. `retryable` false: sending it again changes nothing. */
export class PagerDutyError extends VigilError {
  override name = "PagerDutyError";
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Replaces every occurrence of the secret: error texts and server answers may echo a request. */
export function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join("[redacted]") : text;
}

/** Retry-After is seconds or an HTTP date; returns milliseconds from now, or undefined. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** 429 (rate limit), 408 and 5xx may work a little later; any other 4xx will not. */
function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** PagerDuty answers `{status, message, errors: [...]}`; keep it short and readable. */
function describeAnswer(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { status?: unknown; message?: unknown; errors?: unknown };
    const errors = Array.isArray(body.errors) ? body.errors.map(String) : [];
    const message =
      typeof body.message === "string"
        ? body.message
        : typeof body.status === "string"
          ? body.status
          : "";
    const joined = [message, ...errors].filter(Boolean).join("; ");
    if (joined) return `HTTP ${status}: ${truncate(joined, 500)}`;
  } catch {
    // not JSON: fall through to the raw text
  }
  const raw = text.trim().replace(/\s+/g, " ");
  return `HTTP ${status}${raw ? `: ${truncate(raw, 300)}` : ""}`;
}

export interface PagerDutyAccepted {
  dedupKey: string;
  attempts: number;
}

/** Delivers events already built (used by the routing notifier and by `vigil redrive`). */
export interface PagerDutySender {
  send(event: PagerDutyEvent): Promise<PagerDutyAccepted>;
}

export interface PagerDutyOptions {
  routingKey: RoutingKeyReader;
  endpoint?: string;
  /** Per attempt (AbortSignal.timeout). */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Total time for one event, retries and waits included. */
  deadlineMs?: number;
  /** First backoff step; doubles per attempt, full jitter, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Events in flight at once (PagerDuty rate-limits per routing key). */
  concurrency?: number;
  logger?: Pick<Logger, "warn">;
  /** Renders an anomaly's graph for the incident (alerting.pagerduty.graphImage); absent: none. */
  graphImages?: GraphImages;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Milliseconds, for the deadline; advanced by a test's fake sleep. */
  clock?: () => number;
}

/** A tiny semaphore: at most `size` tasks run at once, the rest wait in order. */
class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((go) => this.waiting.push(go));
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PagerDutyNotifier implements Notifier, PagerDutySender {
  private readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly deadlineMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly limiter: Limiter;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly clock: () => number;

  constructor(private readonly options: PagerDutyOptions) {
    this.endpoint = options.endpoint ?? PAGERDUTY_EVENTS_URL;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.deadlineMs = options.deadlineMs ?? 25_000;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 8_000;
    this.limiter = new Limiter(options.concurrency ?? 4);
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? (() => performance.now());
  }

  async notify(notification: Notification): Promise<void> {
    const image = await this.graphImage(notification);
    await this.send(pagerDutyEvent(notification, new Date().toISOString(), image));
  }

  /** The graph as an image, when on; a picture that fails never holds back the page. */
  private async graphImage(notification: Notification): Promise<GraphImage | undefined> {
    const { graphImages } = this.options;
    if (!graphImages || !notification.graph || notification.action !== "trigger") return undefined;
    try {
      return await graphImages.render(notification.graph, notification.dedupKey);
    } catch (error) {
      this.options.logger?.warn("graph image not attached: the page goes without it", {
        dedupKey: notification.dedupKey,
        problem: `${(error as Error).name}: ${(error as Error).message}`,
      });
      return undefined;
    }
  }

  /** Sends one event; throws PagerDutyError (or RoutingKeyError) when PagerDuty did not take it. */
  async send(event: PagerDutyEvent): Promise<PagerDutyAccepted> {
    const routingKey = await this.options.routingKey();
    return this.limiter.run(() => this.post(event, routingKey));
  }

  private async post(event: PagerDutyEvent, routingKey: string): Promise<PagerDutyAccepted> {
    const body = JSON.stringify({ routing_key: routingKey, ...event });
    const started = this.clock();
    let problem = "";
    for (let attempt = 1; ; attempt += 1) {
      const remaining = this.deadlineMs - (this.clock() - started);
      const timeoutMs = Math.max(1, Math.min(this.timeoutMs, remaining));
      let retryAfterMs: number | undefined;
      try {
        const response = await this.fetchImpl(this.endpoint, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        if (response.status >= 200 && response.status < 300) {
          return { dedupKey: event.dedup_key, attempts: attempt };
        }
        problem = redact(describeAnswer(response.status, text), routingKey);
        if (!isRetryableStatus(response.status)) {
          throw new PagerDutyError(
            `PagerDuty rejected the event (${problem}); check alerting.pagerduty and the routing key secret`,
            false,
            response.status,
          );
        }
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
      } catch (error) {
        if (error instanceof PagerDutyError) throw error;
        const { name, message } = error as Error;
        problem =
          name === "TimeoutError" || name === "AbortError"
            ? `no answer within ${timeoutMs} ms`
            : redact(`${name}: ${message}${causeOf(error)}`, routingKey);
      }
      if (attempt >= this.maxAttempts) {
        throw new PagerDutyError(
          `PagerDuty unavailable after ${attempt} attempt(s): ${problem}`,
          true,
        );
      }
      const backoff =
        this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      // Honour Retry-After: never sooner than PagerDuty asked.
      const delayMs = Math.round(retryAfterMs !== undefined ? retryAfterMs + backoff / 4 : backoff);
      const elapsed = this.clock() - started;
      if (elapsed + delayMs >= this.deadlineMs) {
        throw new PagerDutyError(
          `PagerDuty unavailable: ${problem}; waiting ${delayMs} ms more would pass the ${this.deadlineMs} ms budget (${attempt} attempt(s) made)`,
          true,
        );
      }
      this.options.logger?.warn("PagerDuty delivery retry", {
        dedupKey: event.dedup_key,
        attempt,
        delayMs,
        problem,
      });
      await this.sleep(delayMs);
    }
  }
}

/** undici puts the useful part ("ECONNREFUSED 127.0.0.1:1") in the cause. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (!cause) return "";
  const text = typeof cause.message === "string" ? cause.message : String(cause.code ?? "");
  return text ? ` (${text})` : "";
}
