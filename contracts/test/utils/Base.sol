// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ComputeRegistry} from "../../src/ComputeRegistry.sol";
import {StreamPay} from "../../src/StreamPay.sol";
import {IStreamPay} from "../../src/IStreamPay.sol";
import {vm} from "./Vm.sol";

/// @notice Shared fixture: a bound registry + StreamPay, named actors with coin, small asserts.
abstract contract Base {
    error Mismatch(string what, uint256 got, uint256 want);
    error Failed(string what);

    uint256 internal constant T0 = 1_750_000_000;

    ComputeRegistry internal registry;
    StreamPay internal sp;

    address internal alice = address(0xA11CE); // consumer
    address internal bob = address(0xB0B); // provider wallet
    address internal carol = address(0xCA201); // another provider
    address internal keeper = address(0x4EE9E4);
    address internal stranger = address(0x5754A);

    function setUp() public virtual {
        vm.warp(T0);
        registry = new ComputeRegistry(0);
        sp = StreamPay(payable(registry.streamPay()));
        vm.deal(alice, 1_000 ether);
        vm.deal(bob, 1 ether);
        vm.deal(carol, 1 ether);
    }

    function registerAs(address wallet, string memory model, uint256 price) internal returns (uint256 id) {
        vm.prank(wallet);
        id = registry.registerProvider(model, price, "http://127.0.0.1:8787", 0);
    }

    function createAs(address sender, address recipient, uint256 deposit, uint256 duration, uint256 providerId)
        internal
        returns (uint256 id)
    {
        vm.prank(sender);
        id = sp.createStream{value: deposit}(recipient, duration, 0, providerId);
    }

    function statusOf(uint256 id) internal view returns (IStreamPay.Status) {
        return sp.getStream(id).status;
    }

    function eq(uint256 got, uint256 want, string memory what) internal pure {
        if (got != want) revert Mismatch(what, got, want);
    }

    function eq(address got, address want, string memory what) internal pure {
        if (got != want) revert Mismatch(what, uint160(got), uint160(want));
    }

    function ok(bool cond, string memory what) internal pure {
        if (!cond) revert Failed(what);
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (hi <= lo) return lo;
        return lo + x % (hi - lo + 1);
    }
}
