import { z } from "zod";
import { awsAccountId } from "../events/aws-fields.ts";

/**
 * Settings more than one remediation reads. Each declares the same schema instance, so the
 * composed `remediation.settings` holds the key once (settings.ts refuses two different schemas
 * under one key).
 */

/** Accounts a bucket policy or trust policy may grant to without being "external" (besides the owner). */
export const trustedAccounts = z.array(awsAccountId).default(() => []);
