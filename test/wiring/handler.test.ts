import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { captureLogs } from "../../bench/resilience/log-capture.ts";
import { InputError } from "../../src/domain/errors.ts";
import { defineHandler } from "../../src/wiring/handler.ts";

const schema = z.object({ id: z.string(), n: z.number() }).strict();
type Answer = { ok: boolean; error?: string; value?: number };

function throttled(): Error {
  return Object.assign(new Error("Rate exceeded"), {
    name: "ThrottlingException",
    $metadata: { httpStatusCode: 400 },
  });
}

function define(run: (deps: { factor: number }, input: z.infer<typeof schema>) => Promise<number>) {
  const build = vi.fn(async () => ({ factor: 2 }));
  const defined = defineHandler({
    serviceName: "vigil-test",
    schema,
    invalid: "invalid test request",
    build,
    run,
    reject: (error): Answer => ({ ok: false, error }),
    respond: (value): Answer => ({ ok: true, value }),
  });
  const logs = captureLogs(defined.logger);
  return { ...defined, build, logs };
}

afterEach(() => vi.restoreAllMocks());

describe("defineHandler", () => {
  it("answers an invalid event with one log line, builds nothing and runs nothing", async () => {
    const run = vi.fn(async () => 1);
    const { handler, build, logs } = define(run);
    expect(await handler({ id: "e-1", n: "x" })).toEqual({
      ok: false,
      error: expect.stringMatching(/^invalid test request: n: /),
    });
    expect(logs.lines).toEqual([
      {
        level: "error",
        message: "event rejected",
        attributes: { decision: "rejected", eventId: "e-1", error: expect.any(String) },
      },
    ]);
    expect(build).not.toHaveBeenCalled();
    expect(run).not.toHaveBeenCalled();
  });

  it("builds the dependencies once per container and answers with respond()", async () => {
    const { handler, build } = define(async (deps, input) => deps.factor * input.n);
    expect(await handler({ id: "e-1", n: 2 })).toEqual({ ok: true, value: 4 });
    expect(await handler({ id: "e-2", n: 3 })).toEqual({ ok: true, value: 6 });
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("throws a failed build and builds again on the next event", async () => {
    const { handler, build, logs } = define(async (deps, input) => deps.factor * input.n);
    build.mockRejectedValueOnce(new Error("config unreadable"));
    await expect(handler({ id: "e-1", n: 1 })).rejects.toThrow("config unreadable");
    expect(logs.lines.map((l) => l.message)).toEqual(["cannot start vigil-test"]);
    expect(await handler({ id: "e-2", n: 1 })).toEqual({ ok: true, value: 2 });
    expect(build).toHaveBeenCalledTimes(2);
  });

  it("throws a transient AWS error (Lambda retries) and answers the caller's fault", async () => {
    const transient = define(async () => {
      throw throttled();
    });
    await expect(transient.handler({ id: "e-1", n: 1 })).rejects.toThrow("Rate exceeded");
    expect(transient.logs.lines.map((l) => [l.level, l.message])).toEqual([
      ["warn", "transient AWS error: Lambda retries the event"],
    ]);

    const input = define(async () => {
      throw new InputError("no metric set named egress");
    });
    expect(await input.handler({ id: "e-2", n: 1 })).toEqual({
      ok: false,
      error: "InputError: no metric set named egress",
    });

    const bug = define(async () => {
      throw new TypeError("x is undefined");
    });
    await expect(bug.handler({ id: "e-3", n: 1 })).rejects.toThrow(TypeError);
  });

  it("takes the test seam's dependencies instead of building", async () => {
    const { handler, build, setDeps } = define(async (deps, input) => deps.factor * input.n);
    setDeps({ factor: 10 });
    expect(await handler({ id: "e-1", n: 2 })).toEqual({ ok: true, value: 20 });
    expect(build).not.toHaveBeenCalled();
    setDeps(undefined);
    expect(await handler({ id: "e-2", n: 2 })).toEqual({ ok: true, value: 4 });
  });

  it("puts the Lambda context on its log lines", async () => {
    const defined = defineHandler({
      serviceName: "vigil-test",
      schema,
      build: async () => ({}),
      run: async (_deps, _input, { logger }) => logger.info("ran"),
      reject: (error) => ({ ok: false, error }),
      respond: () => ({ ok: true }),
    });
    defined.logger.setLogLevel("INFO");
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    await defined.handler(
      { id: "e-1", n: 1 },
      {
        awsRequestId: "req-1",
        functionName: "vigil-test",
        invokedFunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:vigil-test",
      },
    );
    vi.restoreAllMocks();
    const line = JSON.parse(written.find((w) => w.includes('"ran"')) ?? "{}");
    expect(line).toMatchObject({
      message: "ran",
      function_request_id: "req-1",
      function_name: "vigil-test",
      cold_start: expect.any(Boolean),
    });
  });
});
