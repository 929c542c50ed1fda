import type { FoldedIncident, OpenStorm, PageLedger, ResourceNote } from "../ports/page-ledger.ts";

/** In-memory page ledger with S3PageLedger's semantics: for tests, the sandbox and the benches. */
export class MemoryPageLedger implements PageLedger {
  /** `<scope>/<hour>` → holders of the slots taken, in order. */
  readonly pages = new Map<string, string[]>();
  /** `<scope>/<hour>` → incident → its folded entry. */
  readonly storms = new Map<string, Map<string, FoldedIncident>>();
  /** `<scope>/<resource>` → notes. */
  readonly notes = new Map<string, ResourceNote[]>();
  /** `<scope>/<hour>` → holder of the hour's remediation digest. */
  readonly digests = new Map<string, string>();

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

  async noteResource(scope: string, resource: string, note: ResourceNote): Promise<void> {
    const notes = this.notes.get(`${scope}/${resource}`) ?? [];
    notes.push(structuredClone(note));
    this.notes.set(`${scope}/${resource}`, notes);
  }

  async resourceNotes(scope: string, resource: string, since: number): Promise<ResourceNote[]> {
    return (this.notes.get(`${scope}/${resource}`) ?? [])
      .filter((n) => n.time >= since)
      .sort((a, b) => a.time - b.time)
      .map((n) => structuredClone(n));
  }

  async claimDigest(scope: string, hour: string, holder: string): Promise<boolean> {
    if (this.digests.has(`${scope}/${hour}`)) return false;
    this.digests.set(`${scope}/${hour}`, holder);
    return true;
  }

  async releaseDigest(scope: string, hour: string): Promise<void> {
    this.digests.delete(`${scope}/${hour}`);
  }
}
