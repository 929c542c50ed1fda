/**
 * Vigil's idempotency claim relies on S3 conditional writes being atomic (If-None-Match: * lets
 * exactly one concurrent writer create an object). moto 5.2.1 checks and writes in two steps, so
 * the harness starts moto through sandbox/moto_atomic_s3.py. This test starts that server with a
 * very short GIL switch interval, where unpatched moto let two writers win in about 1 race of 20.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MotoServer, startMotoServer } from "../../sandbox/moto-server.ts";
import { motoClientConfig, motoEndpoint } from "../support/moto.ts";

const RACES = 100;
const WRITERS = 10;

describe.skipIf(!motoEndpoint())("moto as the harness starts it: S3 conditional writes", () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMotoServer({ env: { VIGIL_MOTO_SWITCH_INTERVAL: "0.000001" } });
  });
  afterAll(async () => moto?.stop());

  it(`If-None-Match: * has exactly one winner in each of ${RACES} races of ${WRITERS} writers`, async () => {
    const s3 = new S3Client(motoClientConfig(moto.endpoint));
    await s3.send(new CreateBucketCommand({ Bucket: "claims" }));
    const winnersPerRace: number[] = [];
    for (let race = 0; race < RACES; race++) {
      const attempts = await Promise.allSettled(
        Array.from({ length: WRITERS }, (_, writer) =>
          s3.send(
            new PutObjectCommand({
              Bucket: "claims",
              Key: `race-${race}`,
              Body: `writer-${writer}`,
              IfNoneMatch: "*",
            }),
          ),
        ),
      );
      winnersPerRace.push(attempts.filter((a) => a.status === "fulfilled").length);
    }
    expect(winnersPerRace.filter((winners) => winners !== 1)).toEqual([]);
  }, 120_000);
});
