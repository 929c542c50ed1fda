import { fuzzSuite } from "./fuzz-suite.ts";

fuzzSuite("vigil remediate --event");
