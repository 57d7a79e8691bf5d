// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {Base} from "./utils/Base.sol";
import {StreamHandler} from "./utils/StreamHandler.sol";
import {IStreamPay} from "../src/IStreamPay.sol";

/// @notice Invariant tests (see README.md in this folder): random sequences of create, withdraw,
///         cancel, settle, keeper batches, time jumps and claims, by EOAs and a contract that
///         opens and receives streams and refuses coin at times. The handler checks each stream
///         after every action and records any revert of a valid action as a violation.
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

    /// Per-stream conservation, monotone streamed <= deposit, allowed status changes, ids +1, and
    /// liveness (no valid action reverted, no invalid one succeeded): checked by the handler after
    /// every action.
    function invariant_perStreamBooksTransitionsAndLiveness() public view {
        if (handler.violations() != 0) revert Failed(handler.firstViolation());
    }

    /// Keeper fees: the keeper holds exactly the sum of floor(rest / 1000) over the streams it
    /// closed after their grace period.
    function invariant_keeperFeesExact() public view {
        eq(handler.held(handler.KEEPER()), handler.expectedKeeperFees(), "keeper fees");
    }

    /// After each run: at least 90% of creates succeed (deposits are drawn inside the valid bounds),
    /// and the counts are printed.
    function afterInvariant() public view {
        uint256 tried = handler.createsTried();
        console.log("creates tried / ok / by hostile / to hostile:", tried, handler.createsOk(), handler.hostileSent());
        console.log("  streams paying the hostile:", handler.hostilePaid(), " refused creates:", handler.calls("create refused"));
        console.log("  withdraw / cancel / settle:", handler.calls("withdraw"), handler.calls("cancel"), handler.calls("settle"));
        console.log("  settle refused / batch keeper / batch party:", handler.calls("settle refused"), handler.calls("batch by keeper"), handler.calls("batch by a party"));
        console.log("  claim / claimFor / violations:", handler.calls("claim"), handler.calls("claimFor"), handler.violations());
        ok(handler.createsOk() * 10 >= tried * 9, ">= 90% of creates succeed");
    }
}
