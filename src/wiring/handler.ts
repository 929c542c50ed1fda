import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import type { z } from "zod";
import { describeZodError } from "../config/errors.ts";
import { isTransientAwsError } from "../domain/aws-errors.ts";
import { isInputError } from "../domain/errors.ts";
import { METRICS_NAMESPACE, type MetricCount } from "../usecases/run-metrics.ts";
import { accountFromFunctionArn } from "./detection.ts";

/**
 * The one shape of every Lambda handler: validate → build dependencies once → one use case →
 * a small answer. What it owns, so no function writes it again:
 * - an invalid event is answered (one "event rejected" log line, no retry, nothing built, no AWS
 *   call): sending it again would change nothing;
 * - dependencies are built on first use and kept for the container; a failed build (a bad config,
 *   an unreadable parameter) is logged and thrown, and rebuilt on the next invocation;
 * - an error of the use case is answered when `answers` says so (default: the caller's fault, an
 *   InputError), else thrown so Lambda retries; a transient AWS error is always thrown;
 * - the Lambda context (request id, function, cold start) is on every log line (Powertools
 *   `addContext`, what `injectLambdaContext` does);
 * - Vigil watches itself: every invocation publishes CloudWatch metrics as EMF log lines
 *   (namespace Vigil, dimension `service`): Runs, RunsFailed, EventsRejected, RunDuration, plus what
 *   `measure` counts from the use case's result (metrics evaluated, anomalies by severity,
 *   remediations by outcome…);
 * - the test seam: `setDeps` replaces the built dependencies (undefined: build again).
 */

/** The Lambda context as handlers take it: tests and the sandbox pass only what they need. */
export type HandlerContext = Partial<Context>;

export interface Invocation {
  logger: Logger;
  context: HandlerContext | undefined;
  /** The event's id, when it has one (EventBridge events do). */
  eventId: string | undefined;
}

export interface HandlerSpec<Input, Deps, Result, Response> {
  serviceName: string;
  /** Validates the event. Omitted when the use case reads the event itself (an SQS batch). */
  schema?: z.ZodType<Input>;
  /** Parse a missing event as `{}` (scheduled functions invoked by hand with no payload). */
  emptyEventIs?: "empty-object";
  /**
   * Why an event is a kind this function does not handle (another detail-type of the same source),
   * if it is: answered with that one reason (WARN, no retry) instead of a list of schema errors.
   */
  unsupported?: (event: unknown) => string | undefined;
  /** Start of the error an invalid event is answered with, e.g. "invalid detect request". */
  invalid?: string;
  build(context: { logger: Logger; homeAccount?: string }): Promise<Deps>;
  run(deps: Deps, input: Input, invocation: Invocation): Promise<Result>;
  respond(result: Result, invocation: Invocation): Response;
  /** The answer to an invalid event, or to an error the handler answers instead of throwing. */
  reject(error: string, eventId: string | undefined): Response;
  /** Errors of `run` answered instead of thrown (never a transient AWS error). Default: InputError. */
  answers?: (error: unknown) => boolean;
  /** What to count about a run that finished (src/usecases/run-metrics.ts). */
  measure?: (result: Result) => MetricCount[];
  /** Tests: a Metrics instance whose output they read. */
  metrics?: Metrics;
}

export interface DefinedHandler<Deps, Response> {
  handler(event: unknown, context?: HandlerContext): Promise<Response>;
  logger: Logger;
  /** Replaces the built dependencies (tests); undefined builds them again on the next event. */
  setDeps(deps: Deps | undefined): void;
}

/** The EventBridge event id, when the payload has one (for logs about unusable events). */
export function eventIdOf(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function defineHandler<Input, Deps, Result, Response>(
  spec: HandlerSpec<Input, Deps, Result, Response>,
): DefinedHandler<Deps, Response> {
  const logger = new Logger({ serviceName: spec.serviceName });
  const metrics =
    spec.metrics ??
    new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
      serviceName: spec.serviceName,
    });
  const answers = spec.answers ?? isInputError;
  let depsPromise: Promise<Deps> | undefined;

  function count({ name, value, dimension }: MetricCount): void {
    if (!dimension) {
      metrics.addMetric(name, MetricUnit.Count, value);
      return;
    }
    // A dimension of its own (Severity, Outcome) is one EMF line, published at once.
    const single = metrics.singleMetric();
    single.addDimension(dimension.name, dimension.value);
    single.addMetric(name, MetricUnit.Count, value);
  }

  async function handler(event: unknown, context?: HandlerContext): Promise<Response> {
    const started = Date.now();
    // Thrown: RunsFailed; answered without a result (invalid event, answered error): rejected.
    const run: { outcome: "Runs" | "RunsFailed" | "EventsRejected" } = { outcome: "RunsFailed" };
    try {
      const response = await handle(event, context, (result) => {
        run.outcome = "Runs";
        for (const metric of spec.measure?.(result) ?? []) count(metric);
      });
      if (run.outcome !== "Runs") run.outcome = "EventsRejected";
      return response;
    } finally {
      metrics.addMetric(run.outcome, MetricUnit.Count, 1);
      metrics.addMetric("RunDuration", MetricUnit.Milliseconds, Date.now() - started);
      metrics.publishStoredMetrics();
    }
  }

  async function handle(
    event: unknown,
    context: HandlerContext | undefined,
    finished: (result: Result) => void,
  ): Promise<Response> {
    if (context) logger.addContext(context as Context);
    const eventId = eventIdOf(event);
    let input = event as Input;
    const unsupported = spec.unsupported?.(event);
    if (unsupported) {
      logger.warn("event not handled", { decision: "unsupported", eventId, reason: unsupported });
      return spec.reject(unsupported, eventId);
    }
    if (spec.schema) {
      const parsed = spec.schema.safeParse(event == null && spec.emptyEventIs ? {} : event);
      if (!parsed.success) {
        const error = `${spec.invalid ?? "invalid event"}: ${describeZodError(parsed.error)}`;
        logger.error("event rejected", { decision: "rejected", eventId, error });
        return spec.reject(error, eventId);
      }
      input = parsed.data;
    }

    const homeAccount = accountFromFunctionArn(context?.invokedFunctionArn);
    depsPromise ??= spec.build({ logger, ...(homeAccount ? { homeAccount } : {}) });
    let deps: Deps;
    try {
      deps = await depsPromise;
    } catch (error) {
      // An operator error (config, parameters): fail loudly (Errors metric), rebuild next time.
      depsPromise = undefined;
      logger.error(`cannot start ${spec.serviceName}`, {
        ...(eventId ? { eventId } : {}),
        error: describe(error),
      });
      throw error;
    }

    const invocation: Invocation = { logger, context, eventId };
    let result: Result;
    try {
      result = await spec.run(deps, input, invocation);
    } catch (error) {
      if (isTransientAwsError(error)) {
        logger.warn("transient AWS error: Lambda retries the event", {
          ...(eventId ? { eventId } : {}),
          error: describe(error),
        });
        throw error;
      }
      if (!answers(error)) throw error;
      const message = describe(error);
      logger.error("event not handled", { ...(eventId ? { eventId } : {}), error: message });
      return spec.reject(message, eventId);
    }
    finished(result);
    return spec.respond(result, invocation);
  }

  return {
    handler,
    logger,
    setDeps(deps) {
      depsPromise = deps === undefined ? undefined : Promise.resolve(deps);
    },
  };
}
