import { z } from "zod";
import { accessAnalyzerFindingEventSchema } from "./access-analyzer-finding.ts";
import { unusedAccessFindingEventSchema } from "./unused-access-finding.ts";

/** The aws.access-analyzer events Vigil handles, told apart by detail-type. */
export const analyzerEventSchema = z.discriminatedUnion("detail-type", [
  accessAnalyzerFindingEventSchema,
  unusedAccessFindingEventSchema,
]);

export type AnalyzerEvent = z.infer<typeof analyzerEventSchema>;
