// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {Base} from "./utils/Base.sol";
import {StreamHandler} from "./utils/StreamHandler.sol";

/// @notice The invariant handler driven by a fixed campaign, with its counts printed (a separate
///         file: scripts/mutants.ts leaves it out, since a failing 400-action campaign is re-run
///         with full traces, which takes gigabytes).
contract StreamPayCampaignTest is Base {
    StreamHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new StreamHandler(registry, sp);
    }

    /// A fixed campaign of 400 pseudo-random handler actions (the same every run) whose counts
    /// are printed (`npx hardhat test solidity test/StreamPayCampaign.t.sol`): shows that
    /// creates succeed, the hostile contract both opens and receives streams, and every kind of
    /// action really runs, with no violation.
    function test_campaign_countsAndLiveness() public {
        for (uint256 i; i < 400; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i, "campaign")));
            uint256 kind = r % 11;
            r >>= 8;
            if (kind < 3) handler.create(r, r >> 20, r >> 40, r >> 140, (r >> 200) & 1 == 1);
            else if (kind == 3) handler.withdraw(r);
            else if (kind == 4) handler.cancel(r, r & 256 == 0);
            else if (kind == 5) handler.settle(r, r >> 30);
            else if (kind == 6) handler.batch(r, r >> 20, r >> 40, r >> 60);
            else if (kind == 7) handler.warp(r % 4 == 0 ? 100_000 : r % 5_000);
            else if (kind == 8) handler.claim(r, r & 512 == 0);
            else if (kind == 10) handler.rate(r, uint8(r >> 8));
            else if (r % 3 == 0) handler.toggleHostile();
            else handler.createRefused(r, r >> 8);
        }
        uint256 tried = handler.createsTried();
        console.log("creates tried / ok / by hostile:", tried, handler.createsOk(), handler.hostileSent());
        console.log("  streams paying the hostile:", handler.hostilePaid(), " refused creates:", handler.calls("create refused"));
        console.log("  withdraw / cancel / settle:", handler.calls("withdraw"), handler.calls("cancel"), handler.calls("settle"));
        console.log("  settle refused / batch keeper / batch party:", handler.calls("settle refused"), handler.calls("batch by keeper"), handler.calls("batch by a party"));
        console.log("  claim / claimFor / violations:", handler.calls("claim"), handler.calls("claimFor"), handler.violations());
        console.log("  rate / rate refused:", handler.calls("rate"), handler.calls("rate refused"));
        ok(handler.createsOk() * 10 >= tried * 9, ">= 90% of creates succeed");
        if (handler.violations() != 0) revert Failed(handler.firstViolation());
        ok(handler.hostileSent() > 0 && handler.hostilePaid() > 0, "the hostile contract sent and received streams");
        ok(handler.calls("settle") > 0 && handler.calls("batch by keeper") > 0 && handler.calls("claimFor") > 0, "every kind ran");
        ok(handler.calls("rate") > 0 && handler.calls("rate refused") > 0, "ratings accepted and refused");
    }
}
