import type { FoldedIncident, OpenStorm, PageLedger } from "../ports/page-ledger.ts";

/** In-memory page ledger with S3PageLedger's semantics: for tests, the sandbox and the benches. */
export class MemoryPageLedger implements PageLedger {
  /** `<scope>/<hour>` → holders of the slots taken, in order. */
  readonly pages = new Map<string, string[]>();
  /** `<scope>/<hour>` → incident → its folded entry. */
  readonly storms = new Map<string, Map<string, FoldedIncident>>();

  async takePage(scope: string, hour: string, budget: number, holder: string): Promise<boolean> {
    const taken = this.pages.get(`${scope}/${hour}`) ?? [];
    if (taken.length >= budget) return false;
    this.pages.set(`${scope}/${hour}`, [...taken, holder]);
    return true;
  }

  async noteFolded(scope: string, hour: string, folded: readonly FoldedIncident[]): Promise<void> {
    const storm = this.storms.get(`${scope}/${hour}`) ?? new Map<string, FoldedIncident>();
    for (const f of folded) storm.set(f.incident, structuredClone(f));
    this.storms.set(`${scope}/${hour}`, storm);
  }

  async openStorms(scope: string, before: string): Promise<OpenStorm[]> {
    return [...this.storms.entries()]
      .filter(([key]) => key.startsWith(`${scope}/`) && key.slice(scope.length + 1) < before)
      .map(([key, folded]) => ({
        hour: key.slice(scope.length + 1),
        folded: [...folded.values()].map((f) => structuredClone(f)),
      }))
      .sort((a, b) => a.hour.localeCompare(b.hour));
  }

  async dropFolded(scope: string, hour: string, incidents: readonly string[]): Promise<void> {
    const storm = this.storms.get(`${scope}/${hour}`);
    for (const incident of incidents) storm?.delete(incident);
  }

  async closeStorm(scope: string, hour: string): Promise<void> {
    this.storms.delete(`${scope}/${hour}`);
  }
}
