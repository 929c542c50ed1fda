import { fuzzSuite } from "./fuzz-suite.ts";

fuzzSuite("on-access-analyzer-finding");
