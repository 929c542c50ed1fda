import { createHmac, timingSafeEqual } from "node:crypto";
import { sealedText } from "../domain/journal-integrity.ts";
import type { RecordSeal, Sealable } from "../ports/record-seal.ts";

/**
 * Seals records with an HMAC key held in memory (HMAC-SHA-256). For the CLI's in-memory dry run
 * and tests; deployments use KmsRecordSeal, whose key never leaves KMS.
 */
export class HmacRecordSeal implements RecordSeal {
  readonly signs = true;
  constructor(
    private readonly key: Uint8Array,
    private readonly keyId = "local",
  ) {}

  private mac(record: Sealable): Buffer {
    return createHmac("sha256", this.key).update(sealedText(record)).digest();
  }

  async sign<T extends Sealable>(record: T): Promise<T> {
    const mac = this.mac(record).toString("base64");
    return { ...record, integrity: { keyId: this.keyId, algorithm: "HMAC_SHA_256", mac } };
  }

  async problem(record: Sealable, name: string): Promise<string | undefined> {
    const seal = record.integrity;
    if (!seal || typeof seal.mac !== "string") return `${name} is not signed`;
    const given = Buffer.from(seal.mac, "base64");
    const expected = this.mac(record);
    const valid = given.length === expected.length && timingSafeEqual(given, expected);
    return valid ? undefined : `${name} has an invalid signature (altered or forged)`;
  }
}
