import { fuzzSuite } from "./fuzz-suite.ts";

fuzzSuite("on-config-compliance-change");
