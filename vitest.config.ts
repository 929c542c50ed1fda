import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    setupFiles: ["test/support/setup.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          // Files share a worker's module graph: measured 135 s → 38 s wall on the shared 2-core
          // machine (import 65 s → 8 s), all 889 tests green. Tests reset what they set (setDeps,
          // mocks) in afterEach; a test that needs a fresh module graph belongs in its own project.
          isolate: false,
          // A hang guard, not a speed check (benchmarks under bench/ do that): CI runs unit, fuzz and
          // integration files together on 2 shared cores, where a 2.7 s tune test took over 5 s.
          testTimeout: 20_000,
          exclude: ["test/**/*.int.test.ts", "test/resilience/fuzz-*.test.ts"],
        },
      },
      {
        // 10,000 generated events per handler (VIGIL_FUZZ_EVENTS lowers it for a quick local loop).
        extends: true,
        test: { name: "fuzz", include: ["test/resilience/fuzz-*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.int.test.ts"],
          // One moto_server for the whole run; integration files share it and run one at a time.
          globalSetup: ["test/support/moto-global-setup.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
