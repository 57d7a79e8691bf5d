// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base} from "./utils/Base.sol";
import {StreamHandler} from "./utils/StreamHandler.sol";
import {IStreamPay} from "../src/IStreamPay.sol";

/// @notice Invariant tests (see README.md in this folder): random sequences of create, withdraw,
///         cancel, settle, keeper batches, time jumps and claims, by EOAs and a contract that
///         refuses coin. The handler checks each stream after every action.
contract StreamPayInvariantTest is Base {
    StreamHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new StreamHandler(registry, sp);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Solvency and no dust: the balance equals exactly what live streams still hold plus every
    /// deferred payment (>= would allow for coin forced in; nothing forces coin in here).
    function invariant_solvencyAndNoDust() public view {
        uint256 owed;
        for (uint256 i; i < handler.idCount(); ++i) {
            IStreamPay.Stream memory s = sp.getStream(handler.ids(i));
            if (s.status == IStreamPay.Status.Active) owed += s.deposit - s.withdrawn;
        }
        for (uint256 i; i < 4; ++i) owed += sp.claimable(handler.actors(i));
        owed += sp.claimable(handler.KEEPER());
        ok(address(sp).balance >= owed, "solvent");
        eq(address(sp).balance, owed, "no dust: balance == owed");
    }

    /// Per-stream conservation, monotone streamed <= deposit, allowed status changes, ids +1:
    /// checked by the handler after every action.
    function invariant_perStreamBooksAndTransitions() public view {
        if (handler.violations() != 0) revert Failed(handler.firstViolation());
    }

    /// Keeper fees: the keeper holds exactly the sum of floor(rest / 1000) over closed streams.
    function invariant_keeperFeesExact() public view {
        eq(handler.held(handler.KEEPER()), handler.expectedKeeperFees(), "keeper fees");
    }
}
