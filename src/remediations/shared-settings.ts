import { z } from "zod";
import { awsAccountId } from "../events/aws-fields.ts";

/**
 * Settings more than one remediation reads. Each declares the same schema instance, so the
 * composed `remediation.settings` holds the key once (settings.ts refuses two different schemas
 * under one key).
 */

/** Accounts a bucket policy or trust policy may grant to without being "external" (besides the owner). */
export const trustedAccounts = z.array(awsAccountId).default(() => []);

/**
 * Also strip resource-policy statements granting accounts outside the owner and trustedAccounts.
 * Off by default: a partner or vendor grant is not public; it is reported, and a person decides.
 */
export const stripExternalAccounts = z.boolean().default(false);

/** CIDRs (office, NAT egress) an `aws:SourceIp` condition may name and still count as the owner's own. */
export const trustedIpRanges = z.array(z.union([z.cidrv4(), z.cidrv6()])).default(() => []);

/**
 * Replace a resource's own KMS key with the configured one (SQS, SNS, Kinesis, DynamoDB, EBS
 * default key). Off by default: Vigil never downgrades nor replaces a key someone chose (S3 has
 * the same rule under s3ReplaceExistingKmsKey).
 */
export const replaceExistingKmsKey = z.boolean().default(false);
