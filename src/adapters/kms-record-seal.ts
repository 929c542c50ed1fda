import { createHash } from "node:crypto";
import {
  GenerateMacCommand,
  type KMSClient,
  type MacAlgorithmSpec,
  VerifyMacCommand,
} from "@aws-sdk/client-kms";
import { sealedText } from "../domain/journal-integrity.ts";
import type { RecordSeal, Sealable } from "../ports/record-seal.ts";

/** The remediators sign; only the operator (undo) and they themselves verify. */
export const SEAL_SIGN_ACTIONS = ["kms:GenerateMac"];
export const SEAL_VERIFY_ACTIONS = ["kms:VerifyMac"];

const ALGORITHM: MacAlgorithmSpec = "HMAC_SHA_256";
/** GenerateMac takes at most 4 KiB: longer records are hashed first (SHA-256, then the MAC). */
const MAX_MESSAGE = 4096;

function message(record: Sealable): Uint8Array {
  const text = Buffer.from(sealedText(record), "utf8");
  if (text.length <= MAX_MESSAGE) return text;
  return new Uint8Array(
    Buffer.concat([Buffer.from("sha256:"), Buffer.from(createDigest(text), "hex")]),
  );
}

function createDigest(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Seals journal records with an HMAC key held in KMS (GenerateMac / VerifyMac, HMAC_SHA_256): the
 * key never leaves KMS, so write access to the journal bucket alone cannot forge a record.
 */
export class KmsRecordSeal implements RecordSeal {
  readonly signs = true;
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async sign<T extends Sealable>(record: T): Promise<T> {
    const output = await this.kms.send(
      new GenerateMacCommand({
        KeyId: this.keyId,
        MacAlgorithm: ALGORITHM,
        Message: message(record),
      }),
    );
    if (!output.Mac) throw new Error("KMS GenerateMac returned no MAC");
    return {
      ...record,
      integrity: {
        keyId: output.KeyId ?? this.keyId,
        algorithm: ALGORITHM,
        mac: Buffer.from(output.Mac).toString("base64"),
      },
    };
  }

  async problem(record: Sealable, name: string): Promise<string | undefined> {
    const seal = record.integrity;
    if (!seal || typeof seal.mac !== "string") return `${name} is not signed`;
    try {
      const output = await this.kms.send(
        new VerifyMacCommand({
          // Always our key: a record naming another key proves nothing.
          KeyId: this.keyId,
          MacAlgorithm: ALGORITHM,
          Message: message(record),
          Mac: Buffer.from(seal.mac, "base64"),
        }),
      );
      return output.MacValid ? undefined : `${name} has an invalid signature`;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "KMSInvalidMacException") {
        return `${name} has an invalid signature (altered or forged)`;
      }
      throw error;
    }
  }
}

/** Used when no key is configured: records go unsigned, and none can be trusted for undo. */
export class UnsignedRecordSeal implements RecordSeal {
  readonly signs = false;
  async sign<T extends Sealable>(record: T): Promise<T> {
    return record;
  }

  async problem(_record: Sealable, name: string): Promise<string | undefined> {
    return `journal signing is not configured (VIGIL_JOURNAL_MAC_KEY): ${name} cannot be trusted`;
  }
}
