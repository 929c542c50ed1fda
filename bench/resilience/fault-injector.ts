/**
 * Injects AWS faults into every real SDK v3 client the code under test builds, without touching the
 * wiring: the shared base class's `send` is wrapped so each client gets one more middleware, inside
 * the SDK's retry loop. A fault therefore costs the SDK's real retries (maxAttempts), and every
 * attempt is recorded, so a test can count them. Clients mocked with aws-sdk-client-mock (their own
 * `send`) are not affected.
 *
 * Not a Vitest module: bench/resilience.ts runs the same matrix.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { FinalizeRequestMiddleware, MetadataBearer, MiddlewareStack } from "@smithy/types";

export interface Fault {
  /** What the matrix calls it: "SlowDown on every call to the target bucket". */
  label: string;
  /** The client's serviceId: "S3", "IAM", "SNS", "SQS", "Secrets Manager" … */
  service: string;
  /** Operation names without "Command"; default every operation. */
  command?: RegExp;
  /** Narrows to some calls, e.g. one bucket. */
  when?: (input: Record<string, unknown>) => boolean;
  /** A fresh error per attempt, shaped like the SDK's. */
  error: () => Error;
}

export interface Attempt {
  /** One per `send`: the SDK's retries of a call share it. */
  call: number;
  service: string;
  command: string;
  input: Record<string, unknown>;
  /** Which simulated Lambda invocation made it (FaultInjector.invocation at the time). */
  invocation: number;
  fault?: string;
  /** The service answered without error. */
  ok: boolean;
}

type SdkClient = {
  config: { serviceId?: string; requestHandler?: unknown };
  middlewareStack: MiddlewareStack<object, MetadataBearer>;
};
type Send = (this: SdkClient, ...args: unknown[]) => unknown;

/** An AWS SDK-shaped error. */
export function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} (injected)`), {
    name,
    Code: name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

export const throttling = (service: string) => () =>
  service === "S3"
    ? sdkError("SlowDown", 503, { $retryable: { throttling: true } })
    : sdkError(service === "SQS" ? "RequestThrottled" : "Throttling", 400, {
        $retryable: { throttling: true },
      });

/** What NodeHttpHandler throws when requestTimeout passes. */
export const timeout = () =>
  Object.assign(new Error("request exceeded the requestTimeout (injected)"), {
    name: "TimeoutError",
    code: "ETIMEDOUT",
  });

/**
 * Answers one operation moto does not serve as AWS does, in moto's place (or around moto's own
 * answer, `moto()`), below the faults: a stood-in call is still throttled, denied and retried.
 */
export interface StandIn {
  /** The client's serviceId, as in Fault. */
  service: string;
  /** Operation name without "Command". */
  command: string;
  answer(
    input: Record<string, unknown>,
    moto: () => Promise<Record<string, unknown>>,
  ): Promise<Record<string, unknown>>;
}

export class FaultInjector {
  /** Operations answered in moto's place (kind-scenarios.ts), set per row. */
  standIns: StandIn[] = [];
  /** Faults apply and attempts are recorded only while active (setup and read-back are not). */
  active = false;
  faults: Fault[] = [];
  attempts: Attempt[] = [];
  invocation = 0;
  private readonly attached = new WeakSet<object>();
  /** The SDK passes the same context to every attempt of one call. */
  private readonly calls = new WeakMap<object, number>();
  private nextCall = 0;
  private base: { send: Send } | undefined;
  private originalSend: Send | undefined;

  install(): void {
    if (this.base) return;
    const base = Object.getPrototypeOf(S3Client.prototype) as { send: Send };
    const originalSend = base.send;
    const attach = (client: SdkClient) => this.attach(client);
    const attached = this.attached;
    base.send = function (this: SdkClient, ...args: unknown[]) {
      if (!attached.has(this)) {
        attached.add(this);
        attach(this);
      }
      return originalSend.apply(this, args);
    };
    this.base = base;
    this.originalSend = originalSend;
  }

  uninstall(): void {
    if (this.base && this.originalSend) this.base.send = this.originalSend;
    this.base = undefined;
  }

  reset(faults: Fault[] = []): void {
    this.faults = faults;
    this.attempts = [];
    this.invocation = 0;
  }

  faultsInjected(): number {
    return this.attempts.filter((a) => a.fault !== undefined).length;
  }

  /** Most attempts the SDK made for one call (1 = no retry). */
  maxAttemptsPerCall(): number {
    const counts = new Map<number, number>();
    for (const a of this.attempts) counts.set(a.call, (counts.get(a.call) ?? 0) + 1);
    return Math.max(0, ...counts.values());
  }

  private attach(client: SdkClient): void {
    const service = client.config.serviceId ?? "unknown";
    // moto_server speaks HTTP/1.1 only; the Kinesis client defaults to HTTP/2 (for
    // SubscribeToShard). Only the transport changes: the calls, retries and faults are the same.
    if (service === "Kinesis") {
      (client.config as { requestHandler?: unknown }).requestHandler = new NodeHttpHandler();
    }
    const middleware: FinalizeRequestMiddleware<object, MetadataBearer> =
      (next, context) => async (args) => {
        const command = String(context.commandName ?? "").replace(/Command$/, "");
        const input = (args.input ?? {}) as Record<string, unknown>;
        const standIn = this.standIns.find((s) => s.service === service && s.command === command);
        const send = standIn
          ? async () => {
              const moto = async () =>
                (await next(args)).output as unknown as Record<string, unknown>;
              const output = await standIn.answer(input, moto);
              return { output: { ...output, $metadata: {} }, response: {} } as Awaited<
                ReturnType<typeof next>
              >;
            }
          : () => next(args);
        if (!this.active) return send();
        const fault = this.faults.find(
          (f) =>
            f.service === service &&
            (f.command === undefined || f.command.test(command)) &&
            (f.when === undefined || f.when(input)),
        );
        let call = this.calls.get(context);
        if (call === undefined) {
          call = ++this.nextCall;
          this.calls.set(context, call);
        }
        const attempt: Attempt = {
          call,
          service,
          command,
          input,
          invocation: this.invocation,
          ok: false,
          ...(fault ? { fault: fault.label } : {}),
        };
        this.attempts.push(attempt);
        if (fault) throw fault.error();
        const result = await send();
        attempt.ok = true;
        return result;
      };
    // Low priority in finalizeRequest: inside the retry middleware, so each attempt passes here.
    client.middlewareStack.add(middleware, {
      step: "finalizeRequest",
      priority: "low",
      name: "vigilFaultInjector",
      override: true,
    });
  }
}
