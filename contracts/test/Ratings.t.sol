// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {IComputeRegistry} from "../src/IComputeRegistry.sol";
import {IStreamPay} from "../src/IStreamPay.sol";
import {Errors} from "../src/Errors.sol";

/// @notice Ratings (issue 22): only the paying sender of a closed provider stream rates it, once;
///         the registry's sums weigh what each rater paid; and the cheapest wash, measured.
contract RatingsTest is Base {
    event StreamRated(
        uint256 indexed providerId,
        uint256 indexed streamId,
        address indexed rater,
        uint256 paid,
        uint8 score,
        uint24 ttftMs,
        uint24 tokensPerSecond,
        uint16 failures,
        bytes32 receiptDigest
    );

    bytes32 internal constant RECEIPT = keccak256("job receipt");

    function rate(address rater, uint256 streamId, uint8 score, uint24 ttft, uint24 tps, uint16 failures) internal {
        vm.prank(rater);
        registry.rateStream(streamId, score, ttft, tps, failures, RECEIPT);
    }

    function test_rate_weighsWhatEachRaterPaid() public {
        uint256 pid = registerAs(bob, "llama", 1);
        uint256 s1 = createAs(alice, bob, 1 ether, 100, pid);
        address dave = address(0xDA5E);
        vm.deal(dave, 1 ether);
        uint256 s2 = createAs(dave, bob, 1 ether, 100, pid);
        vm.warp(T0 + 50);
        vm.prank(bob);
        sp.settle(s1, 0.4 ether);
        vm.prank(dave);
        sp.cancelStream(s2); // bob got 0.5 ether of it
        vm.expectEmit(true, true, true, true, address(registry));
        emit StreamRated(pid, s1, alice, 0.4 ether, 80, 250, 40, 1, RECEIPT);
        rate(alice, s1, 80, 250, 40, 1);
        rate(dave, s2, 20, 1_000, 10, 3);
        IComputeRegistry.Reputation memory r = registry.getReputation(pid);
        eq(r.ratings, 2, "count");
        eq(r.paidByRaters, 0.9 ether, "paid by raters");
        eq(r.weight, 0.9e9, "weight in gwei");
        eq(r.scoreWeighted, 80 * 0.4e9 + 20 * 0.5e9, "score x weight");
        eq(r.ttftWeighted, 250 * 0.4e9 + 1_000 * 0.5e9, "ttft x weight");
        eq(r.tokensPerSecondWeighted, 40 * 0.4e9 + 10 * 0.5e9, "tokens/s x weight");
        eq(r.failuresWeighted, 1 * 0.4e9 + 3 * 0.5e9, "failures x weight");
        eq(r.scoreWeighted / r.weight, 46, "average score 46.6, floored");
        ok(sp.isRated(s1) && sp.isRated(s2), "flagged");
        ok(statusOf(s1) == IStreamPay.Status.Settled, "status still reads Settled");
        ok(statusOf(s2) == IStreamPay.Status.Cancelled, "status still reads Cancelled");
        eq(sp.getStream(s1).withdrawn, 0.4 ether, "paid still reads right");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.StreamNotActive.selector, s1, 2));
        sp.settle(s1, 0.4 ether); // a rated stream reports its plain status
    }

    function test_rate_depletedStreamAndDustWeight() public {
        uint256 pid = registerAs(bob, "llama", 1);
        uint256 s = createAs(alice, bob, 999, 10, pid); // less than one gwei
        vm.warp(T0 + 10);
        vm.prank(bob);
        sp.withdrawFromStream(s); // takes all: Depleted
        rate(alice, s, 100, 100, 100, 0);
        IComputeRegistry.Reputation memory r = registry.getReputation(pid);
        eq(r.ratings * 1000 + r.paidByRaters, 1999, "counted, 999 wei paid");
        eq(r.weight + r.scoreWeighted, 0, "but weighs nothing (floor)");
    }

    /// Storage of `_rep[id]` (mapping at slot 4): slot A, then slot B.
    function repSlot(uint256 pid) internal pure returns (bytes32) {
        return keccak256(abi.encode(pid, uint256(4)));
    }

    /// Registration fills both reputation slots (a `primed` byte in each), so no rating, the first
    /// included, writes a fresh slot (22,100 gas each); the views still read all zero.
    function test_rate_registrationPrimesBothReputationSlots() public {
        uint256 pid = registerAs(bob, "llama", 1);
        bytes32 a = repSlot(pid);
        bytes32 b = bytes32(uint256(a) + 1);
        eq(uint256(vm.load(address(registry), a)), 1, "slot A: primed byte only");
        eq(uint256(vm.load(address(registry), b)), 1, "slot B: primed byte only");
        IComputeRegistry.Reputation memory r = registry.getReputation(pid);
        eq(r.ratings + r.paidByRaters + r.weight + r.scoreWeighted, 0, "slot A reads zero");
        eq(r.ttftWeighted + r.tokensPerSecondWeighted + r.failuresWeighted, 0, "slot B reads zero");
        uint256 s = createAs(alice, bob, 1 ether, 100, pid);
        vm.warp(T0 + 50);
        vm.prank(alice);
        sp.cancelStream(s); // bob got half
        rate(alice, s, 50, 1, 1, 1);
        eq(uint256(vm.load(address(registry), a)) & 0xff, 1, "a rating keeps slot A primed");
        eq(uint256(vm.load(address(registry), b)) & 0xff, 1, "a rating keeps slot B primed");
    }

    /// Every sum saturates at its width instead of reverting or wrapping: paidByRaters, ttft and
    /// tokens/s at 2^88-1, failures at 2^72-1, weight and score at 2^64-1, the count at 2^32-1.
    function test_rate_sumsSaturateAtTheirWidths() public {
        uint256 pid = registerAs(bob, "llama", 1);
        bytes32 a = repSlot(pid);
        bytes32 b = bytes32(uint256(a) + 1);
        // Each field one below its maximum (primed bytes kept).
        vm.store(address(registry), a, bytes32(uint256(1) | ((2 ** 32 - 2) << 8) | ((2 ** 88 - 2) << 40) | ((2 ** 64 - 2) << 128) | ((2 ** 64 - 2) << 192)));
        vm.store(address(registry), b, bytes32(uint256(1) | ((2 ** 88 - 2) << 8) | ((2 ** 88 - 2) << 96) | ((2 ** 72 - 2) << 184)));
        uint256 s = createAs(alice, bob, 1 ether, 100, pid);
        vm.warp(T0 + 50);
        vm.prank(alice);
        sp.cancelStream(s); // bob got half
        rate(alice, s, 100, 1_000, 1_000, 1_000);
        IComputeRegistry.Reputation memory r = registry.getReputation(pid);
        eq(r.ratings, 2 ** 32 - 1, "count saturates");
        eq(r.paidByRaters, 2 ** 88 - 1, "paid saturates");
        eq(r.weight, 2 ** 64 - 1, "weight saturates");
        eq(r.scoreWeighted, 2 ** 64 - 1, "score saturates");
        eq(r.ttftWeighted, 2 ** 88 - 1, "ttft saturates");
        eq(r.tokensPerSecondWeighted, 2 ** 88 - 1, "tokens/s saturates");
        eq(r.failuresWeighted, 2 ** 72 - 1, "failures saturate");
        eq(uint256(vm.load(address(registry), a)) & 0xff, 1, "slot A still primed");
        eq(uint256(vm.load(address(registry), b)) & 0xff, 1, "slot B still primed");
    }

    function test_rate_refusals() public {
        uint256 pid = registerAs(bob, "llama", 1);
        uint256 live = createAs(alice, bob, 1 ether, 100, pid);
        uint256 plain = createAs(alice, bob, 1 ether, 100, 0);
        uint256 empty = createAs(alice, bob, 1 ether, 100, pid);
        uint256 wrongWallet = createAs(alice, carol, 1 ether, 100, pid); // names bob, pays carol
        vm.prank(alice);
        sp.cancelStream(empty); // cancelled at once: nothing paid
        vm.warp(T0 + 10);
        vm.prank(alice);
        sp.cancelStream(plain);
        vm.prank(alice);
        sp.cancelStream(wrongWallet);

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.StreamStillActive.selector, live));
        registry.rateStream(live, 50, 1, 1, 0, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.UnknownStream.selector, 99));
        registry.rateStream(99, 50, 1, 1, 0, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotAProviderStream.selector, plain));
        registry.rateStream(plain, 50, 1, 1, 0, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.NothingPaid.selector, empty));
        registry.rateStream(empty, 50, 1, 1, 0, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotProviderWallet.selector, pid, bob, carol));
        registry.rateStream(wrongWallet, 50, 1, 1, 0, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidScore.selector, 101, 100));
        registry.rateStream(wrongWallet, 101, 1, 1, 0, 0);
        ok(!sp.isRated(empty) && !sp.isRated(plain) && !sp.isRated(wrongWallet), "a refused rating leaves no flag");

        vm.prank(alice);
        sp.cancelStream(live);
        vm.prank(bob); // the provider cannot rate itself: it is not the sender
        vm.expectRevert(abi.encodeWithSelector(Errors.NotStreamSender.selector, live, bob));
        registry.rateStream(live, 100, 1, 1, 0, 0);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotStreamSender.selector, live, stranger));
        registry.rateStream(live, 100, 1, 1, 0, 0);
        rate(alice, live, 90, 1, 1, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.AlreadyRated.selector, live));
        registry.rateStream(live, 10, 1, 1, 0, 0);
        vm.prank(alice); // only the registry marks streams
        vm.expectRevert(abi.encodeWithSelector(Errors.NotRegistry.selector, alice, address(registry)));
        sp.markRated(live, alice);
        eq(registry.getReputation(pid).ratings, 1, "one rating");
        vm.expectRevert(abi.encodeWithSelector(Errors.UnknownProvider.selector, 9));
        registry.getReputation(9);
    }

    /// Any paid amount and any figures within their widths: one rating stores exactly value x
    /// floor(paid / 1 gwei) per sum, and the count and paid amount; a second adds up.
    function testFuzz_rate_sumsAreWhatWasPaidTimesTheFigures(
        uint256 deposit,
        uint256 amount,
        uint8 score,
        uint24 ttft,
        uint24 tps,
        uint16 failures
    ) public {
        deposit = bound(deposit, 1, sp.MAX_DEPOSIT());
        amount = bound(amount, 1, deposit);
        score = uint8(bound(score, 0, 100));
        vm.deal(alice, deposit * 2);
        uint256 pid = registerAs(bob, "llama", 1);
        uint256 s1 = createAs(alice, bob, deposit, 10, pid);
        uint256 s2 = createAs(alice, bob, deposit, 10, pid);
        vm.warp(T0 + 10);
        vm.prank(bob);
        sp.settle(s1, amount);
        vm.prank(bob);
        sp.withdrawFromStream(s2); // all of it: depleted
        rate(alice, s1, score, ttft, tps, failures);
        rate(alice, s2, 100, 1, 1, 0);
        uint256 w1 = amount / 1 gwei;
        uint256 w2 = deposit / 1 gwei;
        IComputeRegistry.Reputation memory r = registry.getReputation(pid);
        eq(r.ratings, 2, "count");
        eq(r.paidByRaters, amount + deposit, "paid");
        eq(r.weight, w1 + w2, "weight");
        eq(r.scoreWeighted, w1 * score + w2 * 100, "score");
        eq(r.ttftWeighted, w1 * ttft + w2, "ttft");
        eq(r.tokensPerSecondWeighted, w1 * tps + w2, "tokens/s");
        eq(r.failuresWeighted, w1 * failures, "failures");
    }

    /// The cheapest wash (issue 22): the provider funds a second address of its own, which opens a
    /// 1-second provider stream to it, the provider settles it in full and the second address rates
    /// it 100. Shown here: the capital all comes back and the weight bought equals the coin cycled;
    /// the gas of the four transactions is measured by bench:gas (contracts/README.md has both).
    function test_poc_washThroughASecondAddress() public {
        uint256 pid = registerAs(bob, "llama", 1);
        // An honest consumer first: 0.1 coin paid, score 40.
        uint256 honest = createAs(alice, bob, 0.1 ether, 10, pid);
        vm.warp(T0 + 10);
        vm.prank(bob);
        sp.settle(honest, 0.1 ether);
        rate(alice, honest, 40, 900, 20, 2);

        address sock = address(0x50C4);
        uint256 wash = 1 ether; // the capital cycled: the weight bought is wash / RATING_WEIGHT_UNIT
        uint256 before = bob.balance + sock.balance + wash;
        vm.deal(bob, bob.balance + wash);
        vm.prank(bob);
        (bool sent,) = sock.call{value: wash}(""); // step 0: a plain transfer (21,000 gas)
        ok(sent, "funded");
        uint256 g = gasleft();
        uint256 id = createAs(sock, bob, wash, 1, pid);
        uint256 gCreate = g - gasleft();
        vm.warp(block.timestamp + 1);
        g = gasleft();
        vm.prank(bob);
        sp.settle(id, wash);
        uint256 gSettle = g - gasleft();
        g = gasleft();
        rate(sock, id, 100, 50, 200, 0);
        uint256 gRate = g - gasleft();
        // In-test figures share one transaction's warm accounts and slots, so they understate a real
        // chain; bench:gas measures the same four transactions' receipts.
        console.log("wash gas inside the calls (warm): create / settle / rate", gCreate, gSettle, gRate);
        eq(bob.balance + sock.balance, before, "capital: every wei is back with the washer (gas aside)");
        IComputeRegistry.Reputation memory r = registry.getReputation(pid);
        eq(r.scoreWeighted / r.weight, 94, "one 1-coin wash drowns the honest 0.1-coin rating of 40");
    }
}
