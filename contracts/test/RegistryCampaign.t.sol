// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {Base} from "./utils/Base.sol";
import {RegistryHandler} from "./utils/RegistryHandler.sol";

/// @notice The registry invariant handler driven by a fixed campaign, with its counts printed
///         (separate from RegistryInvariant.t.sol for the same reason as StreamPayCampaign.t.sol):
///         shows that every kind of action really runs, including retirements with each kind of
///         hint, refused payouts to the coin-refusing wallet and claims after the cooldown.
contract RegistryCampaignTest is Base {
    RegistryHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new RegistryHandler();
    }

    function test_campaign_countsAndLists() public {
        for (uint256 i; i < 150; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i, "registry campaign")));
            uint256 kind = r % 10;
            r >>= 8;
            if (kind < 3) handler.register(r, r >> 20, r >> 40);
            else if (kind == 3) handler.update(r, r >> 20, r & 1 == 0);
            else if (kind < 6) handler.retire(r, r >> 20, r >> 40, (r >> 60) & 3 == 0);
            else if (kind < 8) handler.claimBond(r);
            else if (kind == 8) handler.warp(r % 2 == 0 ? 31 days : r % 5_000);
            else handler.toggleRefusing();
            if (handler.violations() != 0) revert Failed(handler.firstViolation());
            for (uint256 m; m < handler.MODELS(); ++m) {
                uint256[] memory want = handler.bruteForce(m);
                uint256[] memory got = handler.paged(m);
                eq(got.length, want.length, "list length");
                for (uint256 j; j < want.length; ++j) eq(got[j], want[j], "list entry");
            }
            eq(address(handler.registry()).balance, handler.bondsHeld(), "balance == bonds held");
        }
        console.log("register / update / retire:", handler.calls("register"), handler.calls("update"), handler.calls("retire"));
        console.log("  claimBond / early / refused by payee:", handler.calls("claimBond"), handler.calls("claimBond early"), handler.calls("claimBond refused by payee"));
        console.log("  update refused / retire refused:", handler.calls("update refused"), handler.calls("retire refused"));
        ok(handler.calls("retire") > 10 && handler.calls("claimBond") > 2, "retirements and claims ran");
        ok(handler.calls("claimBond refused by payee") > 0 && handler.calls("update refused") > 0 && handler.calls("retire refused") > 0, "refusals ran");
    }
}
