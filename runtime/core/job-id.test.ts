import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { JOB_ID } from "../server/job-chunks.ts";
import { jobIdTime, newJobId } from "./job-id.ts";

describe("newJobId", () => {
  test("is a version-7, variant-10 UUID in the form the routes accept, carrying its millisecond", () => {
    for (const ms of [0, 1, 1_765_000_000_123, 2 ** 48 - 1]) {
      const id = newJobId(ms);
      assert.match(id, JOB_ID);
      assert.equal(id[14], "7");
      assert.ok("89ab".includes(id[19]!), id);
      assert.equal(jobIdTime(id), ms);
    }
  });

  test("ids made in later milliseconds sort later as text; 50,000 ids are all distinct", () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => newJobId(1_765_000_000_000 + Math.floor(i / 10)));
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 10; i < ids.length; i += 10) assert.ok(ids[i - 10]! < ids[i]!, `${ids[i - 10]} < ${ids[i]}`);
  });
});
