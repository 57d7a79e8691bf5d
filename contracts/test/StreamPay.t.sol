// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {RevertingReceiver, GasBurner} from "./utils/Actors.sol";
import {IStreamPay} from "../src/IStreamPay.sol";
import {Errors} from "../src/Errors.sol";

/// @notice Unit tests of StreamPay: one behaviour per test, amounts checked to the wei.
contract StreamPayTest is Base {
    event StreamCreated(
        uint256 indexed streamId,
        address indexed sender,
        address indexed recipient,
        uint256 providerId,
        uint256 deposit,
        uint256 startTime,
        uint256 duration,
        uint8 serviceType
    );
    event StreamBatchUpdated(
        uint256 indexed streamId, address indexed keeper, uint256 recipientAmount, uint256 senderRefund, uint256 keeperFee
    );

    // ---------------------------------------------------------------- create

    function test_create_returnsSequentialIdsAndStoresTheStream() public {
        eq(sp.nextStreamId(), 1, "first id");
        vm.expectEmit(true, true, true, true, address(sp));
        emit StreamCreated(1, alice, bob, 0, 1 ether, T0, 100, 0);
        uint256 id = createAs(alice, bob, 1 ether, 100, 0);
        eq(id, 1, "id");
        eq(createAs(alice, bob, 2 ether, 50, 0), 2, "second stream, same pair");
        eq(sp.nextStreamId(), 3, "next id");
        IStreamPay.Stream memory s = sp.getStream(1);
        eq(s.sender, alice, "sender");
        eq(s.recipient, bob, "recipient");
        eq(s.deposit, 1 ether, "deposit");
        eq(s.withdrawn, 0, "withdrawn");
        eq(s.startTime, T0, "start");
        eq(s.duration, 100, "duration");
        ok(s.status == IStreamPay.Status.Active, "active");
        eq(address(sp).balance, 3 ether, "held");
    }

    function test_create_rejectsBadInput() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidRecipient.selector, address(0)));
        sp.createStream{value: 1}(address(0), 10, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidRecipient.selector, address(sp)));
        sp.createStream{value: 1}(address(sp), 10, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidDeposit.selector, 0, sp.MAX_DEPOSIT()));
        sp.createStream(bob, 10, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidDuration.selector, 0, sp.MAX_DURATION()));
        sp.createStream{value: 1}(bob, 0, 0, 0);
        uint256 tooLong = sp.MAX_DURATION() + 1;
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidDuration.selector, tooLong, sp.MAX_DURATION()));
        sp.createStream{value: 1}(bob, tooLong, 0, 0);
        uint256 bigId = sp.MAX_PROVIDER_ID() + 1;
        vm.expectRevert(abi.encodeWithSelector(Errors.ProviderIdTooLarge.selector, bigId, sp.MAX_PROVIDER_ID()));
        sp.createStream{value: 1}(bob, 10, 0, bigId);
        vm.stopPrank();
        uint256 tooMuch = sp.MAX_DEPOSIT() + 1;
        vm.deal(alice, tooMuch);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidDeposit.selector, tooMuch, sp.MAX_DEPOSIT()));
        sp.createStream{value: tooMuch}(bob, 10, 0, 0);
    }

    // ---------------------------------------------------------------- streaming math

    function test_streamed_isLinearFlooredAndExactAtTheEnd() public {
        uint256 id = createAs(alice, bob, 1000, 3, 0);
        eq(sp.streamedAmountOf(id), 0, "t=0");
        vm.warp(T0 + 1);
        eq(sp.streamedAmountOf(id), 333, "t=1 floors toward the sender");
        eq(sp.refundableAmountOf(id), 667, "refundable t=1");
        vm.warp(T0 + 2);
        eq(sp.streamedAmountOf(id), 666, "t=2");
        vm.warp(T0 + 3);
        eq(sp.streamedAmountOf(id), 1000, "t=end: whole deposit, no dust");
        vm.warp(T0 + 1_000);
        eq(sp.streamedAmountOf(id), 1000, "after end");
        eq(sp.refundableAmountOf(id), 0, "nothing to refund after end");
        eq(sp.ratePerSecond(id), 333, "informational rate");
    }

    function test_views_ofUnknownStreamsAreZeroWithStatusNone() public {
        IStreamPay.Stream memory s = sp.getStream(7);
        ok(s.status == IStreamPay.Status.None, "none");
        eq(s.sender, address(0), "no sender");
        eq(s.deposit, 0, "no deposit");
        eq(sp.streamedAmountOf(7) + sp.withdrawableAmountOf(7) + sp.refundableAmountOf(7), 0, "amounts 0");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.UnknownStream.selector, 7));
        sp.withdrawFromStream(7);
    }

    // ---------------------------------------------------------------- withdraw

    function test_withdraw_paysWhatStreamedAndOnlyToTheRecipient() public {
        uint256 id = createAs(alice, bob, 1000, 10, 0);
        vm.warp(T0 + 3);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotRecipient.selector, id, alice));
        sp.withdrawFromStream(id);
        uint256 before = bob.balance;
        vm.prank(bob);
        eq(sp.withdrawFromStream(id), 300, "amount");
        eq(bob.balance - before, 300, "paid");
        eq(sp.getStream(id).withdrawn, 300, "withdrawn");
        eq(sp.withdrawableAmountOf(id), 0, "nothing left now");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.NothingToWithdraw.selector, id));
        sp.withdrawFromStream(id);
    }

    function test_withdraw_afterTheEndTakesTheRestAndDepletes() public {
        uint256 id = createAs(alice, bob, 1001, 10, 0);
        vm.warp(T0 + 3);
        vm.prank(bob);
        eq(sp.withdrawFromStream(id), 300, "first"); // floor(1001*3/10)
        vm.warp(T0 + 50);
        vm.prank(bob);
        eq(sp.withdrawFromStream(id), 701, "rest");
        IStreamPay.Stream memory s = sp.getStream(id);
        ok(s.status == IStreamPay.Status.Depleted, "depleted");
        eq(s.withdrawn, 1001, "recipient got everything");
        eq(address(sp).balance, 0, "empty");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.StreamNotActive.selector, id, 4));
        sp.withdrawFromStream(id);
    }

    // ---------------------------------------------------------------- cancel

    function test_cancel_splitsBySenderOrRecipientOnly() public {
        uint256 id = createAs(alice, bob, 1000, 10, 0);
        vm.warp(T0 + 2);
        vm.prank(bob);
        sp.withdrawFromStream(id); // 200
        vm.warp(T0 + 7);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotSenderOrRecipient.selector, id, stranger));
        sp.cancelStream(id);
        uint256 a0 = alice.balance;
        uint256 b0 = bob.balance;
        vm.prank(alice);
        (uint256 toRecipient, uint256 refund) = sp.cancelStream(id);
        eq(toRecipient, 500, "recipient part");
        eq(refund, 300, "refund");
        eq(bob.balance - b0, 500, "bob paid");
        eq(alice.balance - a0, 300, "alice refunded");
        IStreamPay.Stream memory s = sp.getStream(id);
        ok(s.status == IStreamPay.Status.Cancelled, "cancelled");
        eq(s.withdrawn, 700, "recipient total");
        eq(s.deposit, 1000, "deposit kept");
        eq(address(sp).balance, 0, "empty");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.StreamNotActive.selector, id, 3));
        sp.cancelStream(id);
    }

    function test_cancel_byRecipientAfterTheEndPaysAll() public {
        uint256 id = createAs(alice, bob, 999, 10, 0);
        vm.warp(T0 + 11);
        vm.prank(bob);
        (uint256 toRecipient, uint256 refund) = sp.cancelStream(id);
        eq(toRecipient, 999, "all");
        eq(refund, 0, "none");
    }

    // ---------------------------------------------------------------- settle

    function test_settle_paysMeteredAmountRefundsRestAndRecordsCompletion() public {
        uint256 pid = registerAs(bob, "llama", 10);
        uint256 id = createAs(alice, bob, 1000, 100, pid);
        vm.warp(T0 + 40);
        vm.prank(bob);
        sp.withdrawFromStream(id); // 400
        vm.warp(T0 + 60);
        uint256 a0 = alice.balance;
        uint256 b0 = bob.balance;
        vm.prank(bob);
        (uint256 paidNow, uint256 refund) = sp.settle(id, 450);
        eq(paidNow, 50, "paid now");
        eq(refund, 550, "refund");
        eq(bob.balance - b0, 50, "bob");
        eq(alice.balance - a0, 550, "alice");
        eq(address(sp).balance, 0, "empty");
        ok(statusOf(id) == IStreamPay.Status.Settled, "settled");
        eq(sp.getStream(id).withdrawn, 450, "recipient total");
        eq(registry.getProvider(pid).completedJobs, 1, "jobs");
        eq(registry.getProvider(pid).totalEarned, 450, "earned");
    }

    function test_settle_boundsTheAmount() public {
        uint256 id = createAs(alice, bob, 1000, 100, 0);
        vm.warp(T0 + 30);
        vm.prank(bob);
        sp.withdrawFromStream(id); // 300
        vm.warp(T0 + 50);
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidSettleAmount.selector, id, 299, 300, 500));
        sp.settle(id, 299);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidSettleAmount.selector, id, 501, 300, 500));
        sp.settle(id, 501);
        vm.stopPrank();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotRecipient.selector, id, alice));
        sp.settle(id, 400);
        vm.prank(bob);
        (uint256 paidNow, uint256 refund) = sp.settle(id, 300); // settle for exactly what was withdrawn
        eq(paidNow, 0, "nothing more");
        eq(refund, 700, "rest back");
    }

    function test_settle_refusesToAttributeAStreamPayingSomeoneElse() public {
        uint256 pid = registerAs(bob, "llama", 10);
        uint256 id = createAs(alice, carol, 1000, 100, pid); // carol is not provider pid's wallet
        vm.warp(T0 + 10);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotProviderWallet.selector, pid, bob, carol));
        sp.settle(id, 100);
        vm.prank(carol); // carol can still be paid by time
        (uint256 toRecipient,) = sp.cancelStream(id);
        eq(toRecipient, 100, "cancel works");
        eq(registry.getProvider(pid).completedJobs, 0, "nothing attributed");
    }

    // ---------------------------------------------------------------- batch

    function test_batch_closesExpiredSkipsTheRestAndPaysAnExactFee() public {
        uint256 a = createAs(alice, bob, 123_456, 10, 0);
        uint256 b = createAs(alice, carol, 999, 10, 0); // fee rounds to 0
        uint256 live = createAs(alice, bob, 5000, 1_000_000, 0);
        vm.warp(T0 + 4);
        vm.prank(bob);
        sp.withdrawFromStream(a); // floor(123456*4/10) = 49382
        vm.warp(T0 + 10 + sp.KEEPER_GRACE()); // the fee is due from the end of the grace period
        uint256 b0 = bob.balance;
        uint256 c0 = carol.balance;
        uint256[] memory ids = new uint256[](6);
        (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]) = (a, 0, live, 777, b, a);
        vm.expectEmit(true, true, false, true, address(sp));
        emit StreamBatchUpdated(a, keeper, 74_074 - 74, 0, 74);
        vm.prank(keeper);
        (uint256 closed, uint256 fee) = sp.batchUpdateStreams(ids);
        eq(closed, 2, "closed");
        eq(fee, 74, "fee = floor(74074/1000) + floor(999/1000)");
        eq(keeper.balance, 74, "keeper paid");
        eq(bob.balance - b0, 74_000, "bob got the rest less the fee");
        eq(carol.balance - c0, 999, "carol");
        ok(statusOf(a) == IStreamPay.Status.Depleted && statusOf(b) == IStreamPay.Status.Depleted, "depleted");
        ok(statusOf(live) == IStreamPay.Status.Active, "live one untouched");
        eq(sp.getStream(a).withdrawn, 123_456 - 74, "recipient total excludes the fee");
        eq(address(sp).balance, 5000, "only the live stream is held");
    }

    // ---------------------------------------------------------------- hostile receivers

    function test_revertingSenderCannotBlockTheRecipient() public {
        RevertingReceiver payer = new RevertingReceiver();
        vm.deal(address(payer), 1000);
        uint256 id = payer.create{value: 1000}(sp, bob, 10, 0);
        vm.warp(T0 + 3);
        uint256 b0 = bob.balance;
        vm.prank(bob);
        (uint256 toRecipient, uint256 refund) = sp.cancelStream(id);
        eq(toRecipient, 300, "recipient paid");
        eq(refund, 700, "refund owed");
        eq(bob.balance - b0, 300, "bob got coin");
        eq(sp.claimable(address(payer)), 700, "refund deferred");
        eq(address(sp).balance, 700, "held for the claim");
        eq(payer.claimTo(sp, payable(stranger)), 700, "claimTo");
        eq(stranger.balance, 700, "claimed elsewhere");
        eq(address(sp).balance, 0, "empty");
        vm.expectRevert(abi.encodeWithSelector(Errors.NothingToClaim.selector, address(payer)));
        payer.claimTo(sp, payable(stranger));
    }

    function test_gasBurningRecipientCannotBlockTheSender() public {
        GasBurner burner = new GasBurner();
        uint256 id = createAs(alice, address(burner), 1000, 10, 0);
        vm.warp(T0 + 5);
        uint256 a0 = alice.balance;
        vm.prank(alice);
        sp.cancelStream(id);
        eq(alice.balance - a0, 500, "sender refunded");
        eq(sp.claimable(address(burner)), 500, "recipient part deferred");
    }

    // ---------------------------------------------------------------- the seed's failing scenario

    /// Two streams to the same provider, a withdraw, a keeper batch, then both cancelled:
    /// every balance exact to the wei and the contract empty.
    function test_seedScenario_twoStreamsWithdrawBatchCancelBoth() public {
        uint256 pid = registerAs(bob, "llama", 10);
        uint256 a0 = alice.balance;
        uint256 b0 = bob.balance;
        uint256 s1 = createAs(alice, bob, 1 ether + 1, 1000, pid);
        uint256 s2 = createAs(alice, bob, 2 ether + 7, 3000, pid);
        vm.warp(T0 + 250);
        vm.prank(bob);
        uint256 w = sp.withdrawFromStream(s1);
        eq(w, uint256(1 ether + 1) * 250 / 1000, "withdraw");
        vm.warp(T0 + 400);
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (s1, s2);
        vm.prank(keeper);
        (uint256 closed, uint256 fee) = sp.batchUpdateStreams(ids); // both live: nothing moves
        eq(closed + fee, 0, "batch on live streams is a no-op");
        vm.prank(alice);
        (uint256 r1, uint256 f1) = sp.cancelStream(s1);
        vm.warp(T0 + 1234);
        vm.prank(bob);
        (uint256 r2, uint256 f2) = sp.cancelStream(s2);
        uint256 bobGets = uint256(1 ether + 1) * 400 / 1000 + uint256(2 ether + 7) * 1234 / 3000;
        eq(w + r1 + r2, bobGets, "recipient total");
        eq(bob.balance - b0, bobGets, "bob exact");
        eq(a0 - alice.balance, bobGets, "alice paid exactly what bob got");
        eq(f1 + f2, 3 ether + 8 - bobGets, "refunds");
        eq(address(sp).balance, 0, "contract empty");
        eq(keeper.balance, 0, "keeper got nothing for nothing");
    }

    /// Same, but a keeper closes the first stream after its end, within the grace period: the
    /// recipient gets all of it, the keeper nothing.
    function test_seedScenario_batchClosesOneThenTheOtherIsCancelled() public {
        uint256 a0 = alice.balance;
        uint256 s1 = createAs(alice, bob, 1 ether + 1, 1000, 0);
        uint256 s2 = createAs(alice, bob, 2 ether + 7, 3000, 0);
        vm.warp(T0 + 250);
        vm.prank(bob);
        uint256 w = sp.withdrawFromStream(s1);
        vm.warp(T0 + 1500);
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (s1, s2);
        uint256 b0 = bob.balance;
        vm.prank(keeper);
        (uint256 closed, uint256 fee) = sp.batchUpdateStreams(ids);
        uint256 rest1 = 1 ether + 1 - w;
        eq(closed, 1, "one closed");
        eq(fee, 0, "no fee within the grace period");
        eq(bob.balance - b0, rest1, "bob got all the rest of s1");
        vm.prank(alice);
        (uint256 r2, uint256 f2) = sp.cancelStream(s2);
        eq(r2, uint256(2 ether + 7) * 1500 / 3000, "s2 recipient part");
        eq(a0 - alice.balance, 3 ether + 8 - f2, "alice net");
        eq(w + (bob.balance - b0) + keeper.balance + f2, 3 ether + 8, "every wei accounted for");
        eq(address(sp).balance, 0, "contract empty");
    }
}
