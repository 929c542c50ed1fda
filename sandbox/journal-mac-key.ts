import { CreateKeyCommand, type KMSClient } from "@aws-sdk/client-kms";

/** An HMAC key like the one the stack creates (JournalMacKey), for the sandbox and tests. */
export async function createJournalMacKey(kms: KMSClient): Promise<string> {
  const output = await kms.send(
    new CreateKeyCommand({
      KeySpec: "HMAC_256",
      KeyUsage: "GENERATE_VERIFY_MAC",
      Description: "Vigil journal record seal",
    }),
  );
  const arn = output.KeyMetadata?.Arn;
  if (!arn) throw new Error("CreateKey returned no key ARN");
  return arn;
}
