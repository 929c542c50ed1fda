import { describe, expect, it } from "vitest";
import { undoDiff } from "../../src/domain/undo-preview.ts";

describe("undoDiff: what undo would set, in words", () => {
  const before = {
    bucket: "logs-prod",
    publicAccessBlock: { BlockPublicAcls: false, BlockPublicPolicy: false },
  };
  const afterVigil = { publicAccessBlock: { BlockPublicAcls: true, BlockPublicPolicy: true } };

  it("one row per setting undo changes, compared over the state read now (not `before`'s extras)", () => {
    expect(undoDiff(before, afterVigil, afterVigil)).toEqual([
      {
        path: "publicAccessBlock.BlockPublicAcls",
        before: "false",
        afterVigil: "true",
        now: "true",
        undoSets: "false",
      },
      {
        path: "publicAccessBlock.BlockPublicPolicy",
        before: "false",
        afterVigil: "true",
        now: "true",
        undoSets: "false",
      },
    ]);
  });

  it("a setting someone changed since shows up even where undo leaves it as it is", () => {
    const now = { publicAccessBlock: { BlockPublicAcls: false, BlockPublicPolicy: true } };
    expect(undoDiff(before, afterVigil, now)).toContainEqual({
      path: "publicAccessBlock.BlockPublicAcls",
      before: "false",
      afterVigil: "true",
      now: "false",
      undoSets: "unchanged",
    });
  });

  it("a resource already back as before: undo changes nothing; lists and objects in words", () => {
    const reverted = undoDiff(before, afterVigil, { publicAccessBlock: before.publicAccessBlock });
    expect(reverted.map((row) => row.undoSets)).toEqual(["unchanged", "unchanged"]);
    expect(undoDiff(before, before, { publicAccessBlock: before.publicAccessBlock })).toEqual([]);
    const [row] = undoDiff(
      { attached: ["AdministratorAccess"], block: null },
      { attached: [] },
      { attached: [] },
    );
    expect(row).toMatchObject({
      before: "AdministratorAccess",
      now: "none",
      undoSets: "AdministratorAccess",
    });
    expect(
      undoDiff({ block: null }, { block: { A: true } }, { block: { A: true } })[0],
    ).toMatchObject({ now: "A=true", undoSets: "null", afterVigil: "A=true" });
  });
});
