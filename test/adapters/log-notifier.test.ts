import { describe, expect, it, vi } from "vitest";
import { LogNotifier } from "../../src/adapters/log-notifier.ts";

describe("LogNotifier", () => {
  it("turns every alert into one WARN line instead of dropping it", async () => {
    const logger = { warn: vi.fn() };
    await new LogNotifier(logger).notify({
      action: "trigger",
      dedupKey: "vigil:anomaly:x",
      severity: "critical",
      source: "anomaly",
      subject: "[Vigil CRITICAL] egress: BytesDownloaded",
      body: "…",
      details: { z: 9 },
      attributes: {},
    });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      "alert not delivered anywhere: no destination configured",
      expect.objectContaining({
        severity: "critical",
        dedupKey: "vigil:anomaly:x",
        subject: "[Vigil CRITICAL] egress: BytesDownloaded",
      }),
    );
  });
});
