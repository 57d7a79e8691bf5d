// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {IStreamPay} from "../src/IStreamPay.sol";

/// @notice Fuzz tests: the stream arithmetic and every way money leaves a stream, for random
///         deposits, durations and times. Amounts are compared to the wei.
contract StreamPayFuzzTest is Base {
    function _stream(uint256 deposit, uint256 duration) internal returns (uint256 id, uint256 dep, uint256 dur) {
        dep = bound(deposit, 1, sp.MAX_DEPOSIT());
        dur = bound(duration, 1, sp.MAX_DURATION());
        vm.deal(alice, dep);
        id = createAs(alice, bob, dep, dur, 0);
    }

    function testFuzz_streamedIsMonotoneBoundedAndExactAtTheEnd(uint256 deposit, uint256 duration, uint256 t1, uint256 t2)
        public
    {
        (uint256 id, uint256 dep, uint256 dur) = _stream(deposit, duration);
        t1 = bound(t1, 0, dur * 2);
        t2 = bound(t2, t1, dur * 2 + 1);
        vm.warp(T0 + t1);
        uint256 s1 = sp.streamedAmountOf(id);
        eq(s1, dep * (t1 < dur ? t1 : dur) / dur, "linear floor");
        eq(s1 + sp.refundableAmountOf(id), dep, "streamed + refundable == deposit");
        vm.warp(T0 + t2);
        uint256 s2 = sp.streamedAmountOf(id);
        ok(s2 >= s1, "monotone");
        ok(s2 <= dep, "bounded");
        vm.warp(T0 + dur);
        eq(sp.streamedAmountOf(id), dep, "exact at the end: no dust");
    }

    function testFuzz_withdrawThenCancelConservesEveryWei(
        uint256 deposit,
        uint256 duration,
        uint256 tw,
        uint256 tc,
        bool bySender
    ) public {
        (uint256 id, uint256 dep, uint256 dur) = _stream(deposit, duration);
        tw = bound(tw, 1, dur * 2);
        tc = bound(tc, tw, dur * 2);
        uint256 a0 = alice.balance;
        uint256 b0 = bob.balance;
        vm.warp(T0 + tw);
        uint256 w;
        if (sp.withdrawableAmountOf(id) > 0) {
            vm.prank(bob);
            w = sp.withdrawFromStream(id);
        }
        if (statusOf(id) == IStreamPay.Status.Active) {
            vm.warp(T0 + tc);
            vm.prank(bySender ? alice : bob);
            (uint256 r, uint256 f) = sp.cancelStream(id);
            eq(w + r, dep * (tc < dur ? tc : dur) / dur, "recipient total = streamed at cancel");
            eq(w + r + f, dep, "conservation");
        } else {
            eq(w, dep, "a withdrawal after the end takes everything");
        }
        eq(bob.balance - b0 + (alice.balance - a0), dep, "balances add up");
        eq(address(sp).balance, 0, "contract empty");
    }

    function testFuzz_settleConservesAndRecords(uint256 deposit, uint256 duration, uint256 tw, uint256 ts, uint256 amt)
        public
    {
        uint256 pid = registerAs(bob, "m", 1);
        uint256 dep = bound(deposit, 1, sp.MAX_DEPOSIT());
        uint256 dur = bound(duration, 1, sp.MAX_DURATION());
        vm.deal(alice, dep);
        uint256 id = createAs(alice, bob, dep, dur, pid);
        tw = bound(tw, 0, dur - 1);
        ts = bound(ts, tw, dur * 2);
        uint256 w;
        vm.warp(T0 + tw);
        if (sp.withdrawableAmountOf(id) > 0) {
            vm.prank(bob);
            w = sp.withdrawFromStream(id);
        }
        vm.warp(T0 + ts);
        uint256 streamed = sp.streamedAmountOf(id);
        uint256 amount = bound(amt, w, streamed);
        uint256 a0 = alice.balance;
        uint256 b0 = bob.balance;
        vm.prank(bob);
        (uint256 paidNow, uint256 refund) = sp.settle(id, amount);
        eq(paidNow, amount - w, "paid now");
        eq(refund, dep - amount, "refund");
        eq(bob.balance - b0, paidNow, "bob");
        eq(alice.balance - a0, refund, "alice");
        eq(address(sp).balance, 0, "contract empty");
        eq(registry.getProvider(pid).totalEarned, amount, "recorded");
        eq(registry.getProvider(pid).completedJobs, amount == 0 ? 0 : 1, "a settle for 0 is no job");
        eq(sp.getStream(id).withdrawn, amount, "recipient total");
    }

    function testFuzz_keeperFeeIsTheExactFloor(uint256 deposit, uint256 duration, uint256 tw, uint256 late) public {
        (uint256 id, uint256 dep, uint256 dur) = _stream(deposit, duration);
        tw = bound(tw, 0, dur - 1);
        uint256 w;
        vm.warp(T0 + tw);
        if (sp.withdrawableAmountOf(id) > 0) {
            vm.prank(bob);
            w = sp.withdrawFromStream(id);
        }
        late = bound(late, 0, 3 days);
        vm.warp(T0 + dur + late);
        uint256 b0 = bob.balance;
        uint256 k0 = keeper.balance;
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (id, id); // a duplicate is skipped, not paid twice
        vm.prank(keeper);
        (uint256 closed, uint256 fee) = sp.batchUpdateStreams(ids);
        uint256 rest = dep - w;
        eq(closed, 1, "closed once");
        eq(fee, late >= sp.KEEPER_GRACE() ? rest / 1000 : 0, "fee = floor(rest / 1000) after the grace period, else 0");
        eq(keeper.balance - k0, fee, "keeper paid");
        eq(bob.balance - b0, rest - fee, "recipient gets the rest");
        eq(address(sp).balance, 0, "contract empty");
    }

    function testFuzz_cheapestMatchesABruteForceScan(uint96[6] memory prices, uint8 inactiveMask, uint8 modelMask, uint8 pageSeed)
        public
    {
        uint256 bestId;
        uint256 bestPrice;
        for (uint256 i; i < 6; ++i) {
            uint256 price = bound(prices[i], 1, 50); // small range: many ties
            bool otherModel = (modelMask >> i) & 1 == 1;
            uint256 id = registerAs(address(uint160(0x1000 + i)), otherModel ? "other" : "m", price);
            if ((inactiveMask >> i) & 1 == 1) {
                vm.prank(address(uint160(0x1000 + i)));
                registry.updateProvider(id, price, "e", false);
            } else if (!otherModel && (bestId == 0 || price < bestPrice)) {
                (bestId, bestPrice) = (id, price);
            }
        }
        // Page through the list (random page size) and keep the cheapest, as a client does; later
        // pages hold lower ids, so `<=` keeps ties on the lowest id.
        uint256 limit = 1 + pageSeed % 6;
        (uint256 gotId, uint256 gotPrice, uint256 next) = registry.getCheapestProvider("m", 0, limit);
        while (next != 0) {
            (uint256 id, uint256 price, uint256 after_) = registry.getCheapestProvider("m", next, limit);
            if (id != 0 && (gotId == 0 || price <= gotPrice)) (gotId, gotPrice) = (id, price);
            next = after_;
        }
        eq(gotId, bestId, "id");
        eq(gotPrice, bestPrice, "price");
    }
}
