import type { Logger } from "@aws-lambda-powertools/logger";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClientConfig } from "../adapters/aws-clients.ts";
import { KmsRecordSeal, UnsignedRecordSeal } from "../adapters/kms-record-seal.ts";
import { S3Journal } from "../adapters/s3-journal.ts";
import { S3PageLedger } from "../adapters/s3-page-ledger.ts";
import { ConfigError, loadConfigFile } from "../config/load.ts";
import { parseRemediationConfig } from "../config/remediation-config.ts";
import type { EventDigestDeps } from "../usecases/event-digest.ts";
import { createAlerting } from "./alerting.ts";

/**
 * The hourly remediation digest's dependencies: the journal (read), its seal (verify), the page
 * ledger (the digest markers and anomaly links) and SNS. Undefined in per-episode mode: the event
 * functions then send every outcome at once and there is nothing to gather.
 */
export async function createEventDigestDeps(options: {
  env?: NodeJS.ProcessEnv;
  logger: Logger;
}): Promise<EventDigestDeps | undefined> {
  const env = options.env ?? process.env;
  const file = await loadConfigFile(env.VIGIL_CONFIG);
  const config = parseRemediationConfig(file.remediation ?? {});
  const clientConfig = awsClientConfig(env);
  const bucket = env.VIGIL_JOURNAL_BUCKET ?? config.journalBucket;
  if (!bucket) {
    throw new ConfigError(
      "no journal bucket: set VIGIL_JOURNAL_BUCKET or remediation.journalBucket (the digest reads the journal)",
    );
  }
  const topicArn = env.VIGIL_TOPIC_ARN ?? config.topicArn;
  const alerting = createAlerting({
    env,
    ...(file.alerting ? { alerting: file.alerting } : {}),
    ...(topicArn ? { topicArn } : {}),
    clientConfig,
    logger: options.logger,
  });
  if (alerting.config.mode !== "digest") return undefined;
  const s3 = new S3Client(clientConfig);
  const macKey = env.VIGIL_JOURNAL_MAC_KEY ?? config.journalMacKey;
  return {
    journal: new S3Journal(s3, bucket),
    seal: macKey
      ? new KmsRecordSeal(new KMSClient(clientConfig), macKey)
      : new UnsignedRecordSeal(),
    ledger: new S3PageLedger(s3, bucket),
    notifier: alerting.notifier,
    clock: () => Date.now(),
    region: clientConfig.region,
    top: alerting.config.digest.top,
    logger: options.logger,
  };
}
