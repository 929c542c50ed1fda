import { createHmac, timingSafeEqual } from "node:crypto";
import { sealedText } from "../domain/journal-integrity.ts";
import type { JournalRecord } from "../domain/journal-record.ts";
import type { RecordSeal } from "../ports/record-seal.ts";

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

  private mac(record: JournalRecord): Buffer {
    return createHmac("sha256", this.key).update(sealedText(record)).digest();
  }

  async sign(record: JournalRecord): Promise<JournalRecord> {
    const mac = this.mac(record).toString("base64");
    return { ...record, integrity: { keyId: this.keyId, algorithm: "HMAC_SHA_256", mac } };
  }

  async problem(record: JournalRecord): Promise<string | undefined> {
    const seal = record.integrity;
    if (!seal || typeof seal.mac !== "string") return `record ${record.id} is not signed`;
    const given = Buffer.from(seal.mac, "base64");
    const expected = this.mac(record);
    const valid = given.length === expected.length && timingSafeEqual(given, expected);
    return valid ? undefined : `record ${record.id} has an invalid signature (altered or forged)`;
  }
}
