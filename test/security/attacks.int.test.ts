import { describe, expect, it } from "vitest";
import { ATTACKS } from "../../bench/resilience/attacks.ts";
import { motoEndpoint } from "../support/moto.ts";

const endpoint = motoEndpoint();

describe.skipIf(!endpoint)("issue 14 attacks replayed against moto: each now fails closed", () => {
  for (const attack of ATTACKS) {
    it(`item ${attack.item}: ${attack.name}`, async () => {
      const result = await attack.replay(endpoint as string);
      expect(result, result.detail).toMatchObject({ blocked: true });
    });
  }
});
