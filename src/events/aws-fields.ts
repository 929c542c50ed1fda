import { z } from "zod";

/** Field formats shared by the AWS event schemas and the remediation config. */
export const awsAccountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");
export const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region, e.g. eu-west-1");
export const isoTime = z.iso.datetime({ offset: true });

/**
 * A non-empty string no longer than AWS makes it (API limits, rounded up): a forged event with a
 * 100 KB "bucket name" or rule name is refused at the door instead of reaching AWS calls and logs.
 */
export const boundedString = (max: number) => z.string().min(1).max(max);
