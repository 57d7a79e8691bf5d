// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {Base} from "./utils/Base.sol";
import {RegistryHandler} from "./utils/RegistryHandler.sol";
import {IComputeRegistry} from "../src/IComputeRegistry.sol";

/// @notice Registry invariants (issue 22): random registrations, updates, retirements with random
///         hints, retirements to a payee, bond claims, time jumps and a wallet that refuses coin.
contract RegistryInvariantTest is Base {
    RegistryHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new RegistryHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Each model's list, paged with a chained cursor, equals a brute-force scan of the live ids of
    /// that model, newest first: no retired entry, none missing, none of another model.
    function invariant_eachModelListEqualsABruteForceScan() public view {
        for (uint256 m; m < handler.MODELS(); ++m) {
            uint256[] memory want = handler.bruteForce(m);
            uint256[] memory got = handler.paged(m);
            eq(got.length, want.length, "list length");
            for (uint256 i; i < want.length; ++i) eq(got[i], want[i], "list entry");
            // The cheapest view walks the same list: whatever it returns is live and of that model.
            (uint256 cheapest,,) = handler.registry().getCheapestProvider(handler.modelName(m), 0, 2_000);
            if (cheapest != 0) {
                IComputeRegistry.Provider memory p = handler.registry().getProvider(cheapest);
                ok(!p.retired && p.active && handler.modelOf(cheapest) == m, "cheapest is live, active, that model");
            }
        }
    }

    /// The registry holds exactly the bonds of live entries plus those of retired entries not yet
    /// paid out: nothing lost on a refused payout, nothing paid twice.
    function invariant_balanceEqualsTheBondsHeld() public view {
        eq(address(handler.registry()).balance, handler.bondsHeld(), "registry balance == live + unclaimed bonds");
    }

    /// No valid action reverted and no invalid one succeeded (checked by the handler per call).
    function invariant_noViolation() public view {
        if (handler.violations() != 0) revert Failed(handler.firstViolation());
    }

    function afterInvariant() public view {
        console.log("register / update / retire:", handler.calls("register"), handler.calls("update"), handler.calls("retire"));
        console.log("  claimBond / early / refused by payee:", handler.calls("claimBond"), handler.calls("claimBond early"), handler.calls("claimBond refused by payee"));
    }
}
