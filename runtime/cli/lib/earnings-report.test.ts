import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ev from "../../core/events.ts";
import { evolveProjections, initialProjections } from "../../core/projections/index.ts";
import { chainRef, PROVIDER_WALLET, SENDER, sampleEvents } from "../../core/testing/sample-events.ts";
import { openStore } from "../../store/index.ts";
import { earningsReport } from "./earnings-report.ts";

describe("earningsReport", () => {
  const dir = mkdtempSync(join(tmpdir(), "claw-earnings-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("earned, settled, received and pending from a real log: one settled stream, one still open", () => {
    const path = join(dir, "events.db");
    const store = openStore({ path });
    store.append(sampleEvents(7n)); // settled: jobs 1500 + 250 (failed) = 1750 earned and settled
    store.append([
      ev.streamOpened({ streamId: 9n, sender: SENDER, recipient: PROVIDER_WALLET, providerId: 1n, deposit: 10_000n, startTime: 1n, duration: 10n, serviceType: 0, chain: chainRef(77) }),
      ev.jobAccepted({ jobId: "open-1", streamId: 9n, offering: "echo-fast", providerId: 1n, nonce: 1n, bodyHash: "0x00", signer: SENDER, pricePerSecond: 1000n, task: "chat" }),
      ev.jobCompleted({ jobId: "open-1", streamId: 9n, meteredMs: 400n, cost: 400n, tokens: {} }),
    ]);
    store.close();
    const ro = openStore({ path, readonly: true });
    const r = earningsReport(ro.replay(evolveProjections, initialProjections()), path);
    ro.close();
    assert.equal(r.jobs, 3);
    assert.equal(r.failedJobs, 1);
    assert.equal(r.earned, 2150n);
    assert.equal(r.settled, 1750n);
    assert.equal(r.received, 1750n);
    assert.equal(r.pending, 400n);
    assert.equal(r.refundedToConsumers, 10n ** 18n - 1750n);
    assert.deepEqual(r.streams, { none: 0, active: 1, settled: 1, cancelled: 0, depleted: 0 });
    assert.deepEqual(Object.keys(r.byOffering).sort(), ["echo-1", "echo-fast"]);
    assert.equal(r.byOffering["echo-fast"]?.earned, 400n);
    assert.equal(r.rejections.NONCE_REPLAYED, 1);
  });
});
