// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {RevertingReceiver, ExpensiveReceiver} from "./utils/Actors.sol";
import {IStreamPay} from "../src/IStreamPay.sol";
import {Errors} from "../src/Errors.sol";
import {ComputeRegistry} from "../src/ComputeRegistry.sol";
import {IComputeRegistry} from "../src/IComputeRegistry.sol";

/// @notice The audit's proofs of concept (issue 14), each turned into a test of the fixed
///         behaviour. The spam scenario (20,000 registrations) is in RegistrySpam.t.sol.
contract Issue14Test is Base {
    event PaymentDeferred(uint256 indexed streamId, address indexed to, uint256 amount);
    event Claimed(address indexed account, address indexed to, uint256 amount);

    // ------------------------------------------------ 1. spam costs something that grows with it

    /// With a bond, 100 junk entries lock 100 bonds for as long as they are listed; retiring one
    /// returns its bond and takes it out of its model's list (RegistrySpam.t.sol: the views).
    function test_poc1_bondLocksCapitalPerListedEntry() public {
        ComputeRegistry bonded = new ComputeRegistry(0.01 ether);
        address spammer = address(0x5BA4);
        vm.deal(spammer, 1 ether);
        vm.startPrank(spammer);
        for (uint256 i; i < 100; ++i) bonded.registerProvider{value: 0.01 ether}("echo-1", 1, "http://junk", 0);
        eq(address(bonded).balance, 1 ether, "100 bonds locked");
        eq(spammer.balance, 0, "the spammer's coin is all locked");
        bonded.retireProvider(100, 0); // the head
        vm.stopPrank();
        eq(spammer.balance, 0, "retiring returns nothing at once (issue 22: cooldown)");
        vm.warp(block.timestamp + bonded.BOND_COOLDOWN());
        bonded.claimBond(100);
        eq(spammer.balance, 0.01 ether, "one bond back after the cooldown");
        (IComputeRegistry.Provider[] memory page,) = bonded.getProvidersByModel("echo-1", 0, 200);
        eq(page.length, 99, "and one entry fewer to page through");
    }

    // ------------------------------------------------ 2. reputation cannot be self-dealt

    /// PoC: the provider opened streams to itself and settled them (26 fake jobs, 4,000 coins of
    /// "earnings"). Now a provider stream from the provider's own wallet cannot be opened.
    function test_poc2_selfStreamsCannotBeAttributed() public {
        uint256 pid = registerAs(bob, "llama", 10);
        vm.deal(bob, 4_000 ether);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.SelfAttribution.selector, pid, bob));
        sp.createStream{value: 4_000 ether}(bob, 1, 0, pid);
        // A plain self-stream (no provider id) is harmless and allowed: it counts for nobody.
        uint256 id = createAs(bob, bob, 1 ether, 1, 0);
        vm.warp(T0 + 1);
        vm.prank(bob);
        sp.settle(id, 1 ether);
        eq(registry.getProvider(pid).completedJobs, 0, "no job");
        eq(registry.getProvider(pid).totalEarned, 0, "no earnings");
    }

    /// PoC: settle(id, 0) counted a completed job. Now it is a full refund and records nothing.
    function test_poc2_settleForZeroRecordsNoJob() public {
        uint256 pid = registerAs(bob, "llama", 10);
        for (uint256 i; i < 26; ++i) {
            uint256 id = createAs(alice, bob, 1 ether, 100, pid);
            uint256 a0 = alice.balance;
            vm.prank(bob);
            (uint256 paidNow, uint256 refund) = sp.settle(id, 0);
            eq(paidNow, 0, "nothing paid");
            eq(refund, 1 ether, "all refunded");
            eq(alice.balance - a0, 1 ether, "alice refunded");
            ok(statusOf(id) == IStreamPay.Status.Settled, "closed");
        }
        eq(registry.getProvider(pid).completedJobs, 0, "26 settles for 0 are 0 jobs");
        // One real job still counts.
        uint256 real = createAs(alice, bob, 1000, 10, pid);
        vm.warp(T0 + 5);
        vm.prank(bob);
        sp.settle(real, 500);
        eq(registry.getProvider(pid).completedJobs, 1, "one job");
        eq(registry.getProvider(pid).totalEarned, 500, "its earnings");
    }

    // ------------------------------------------------ 3. no keeper skim by a party

    /// PoC: right after the end the sender called batchUpdateStreams first and took 1 ether of
    /// the recipient's 1,000. Now a party never earns a fee, and nobody does within the grace period.
    function test_poc3_senderCannotSkimTheKeeperFee() public {
        vm.deal(alice, 2_000 ether);
        uint256 id = createAs(alice, bob, 1_000 ether, 100, 0);
        vm.warp(T0 + 100);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        uint256 a0 = alice.balance;
        uint256 b0 = bob.balance;
        vm.prank(alice);
        (uint256 closed, uint256 fee) = sp.batchUpdateStreams(ids);
        eq(closed, 1, "closed");
        eq(fee, 0, "no fee for the sender");
        eq(alice.balance, a0, "sender got nothing");
        eq(bob.balance - b0, 1_000 ether, "recipient paid in full");
    }

    function test_poc3_senderGetsNoFeeEvenAfterTheGracePeriod() public {
        uint256 id = createAs(alice, bob, 1_000_000, 100, 0);
        vm.warp(T0 + 100 + sp.KEEPER_GRACE() + 1);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        vm.prank(alice);
        (, uint256 fee) = sp.batchUpdateStreams(ids);
        eq(fee, 0, "a party never earns the fee");
        eq(sp.getStream(id).withdrawn, 1_000_000, "recipient got everything");
    }

    function test_poc3_thirdPartyPaysNoFeeWithinGraceAndEarnsItAfter() public {
        uint256 early = createAs(alice, bob, 1_000_000, 100, 0);
        uint256 late = createAs(alice, carol, 1_000_000, 100, 0);
        uint256[] memory ids = new uint256[](1);
        ids[0] = early;
        vm.warp(T0 + 100 + sp.KEEPER_GRACE() - 1); // last second of the grace period
        vm.prank(keeper);
        (uint256 closed, uint256 fee) = sp.batchUpdateStreams(ids);
        eq(closed * 10 + fee, 10, "closed within grace, no fee");
        eq(sp.getStream(early).withdrawn, 1_000_000, "recipient in full");
        ids[0] = late;
        vm.warp(T0 + 100 + sp.KEEPER_GRACE());
        vm.prank(keeper);
        (closed, fee) = sp.batchUpdateStreams(ids);
        eq(fee, 1_000, "0.1% for a third party once the grace period is over");
        eq(keeper.balance, 1_000, "keeper paid");
        eq(sp.getStream(late).withdrawn, 999_000, "recipient less the fee");
    }

    // ------------------------------------------------ 4. nothing strands

    /// PoC: createStream accepted the registry as recipient; its share sat in `claimable` forever.
    function test_poc4_recipientsThatCouldNeverTakeCoinAreRefused() public {
        address[3] memory bad = [address(registry), address(sp), address(0)];
        for (uint256 i; i < 3; ++i) {
            vm.prank(alice);
            vm.expectRevert(abi.encodeWithSelector(Errors.InvalidRecipient.selector, bad[i]));
            sp.createStream{value: 1 ether}(bad[i], 100, 0, 0);
        }
    }

    /// PoC: an immutable contract that needs more than PUSH_GAS to accept coin and cannot call
    /// claim. Now anyone pushes its credit to it with full gas (claimFor).
    function test_poc4_claimForPushesACreditWithFullGas() public {
        ExpensiveReceiver r = new ExpensiveReceiver();
        uint256 id = createAs(alice, address(r), 1000, 10, 0);
        vm.warp(T0 + 4);
        vm.expectEmit(true, true, false, true, address(sp));
        emit PaymentDeferred(id, address(r), 400);
        vm.prank(alice);
        sp.cancelStream(id);
        eq(sp.claimable(address(r)), 400, "deferred: 30,000 gas was not enough");
        vm.expectEmit(true, true, false, true, address(sp));
        emit Claimed(address(r), address(r), 400);
        vm.prank(stranger);
        eq(sp.claimFor(address(r)), 400, "claimFor");
        eq(r.received(), 400, "the contract has its coin");
        eq(sp.claimable(address(r)), 0, "no credit left");
        eq(address(sp).balance, 0, "nothing stranded");
        vm.expectRevert(abi.encodeWithSelector(Errors.NothingToClaim.selector, address(r)));
        sp.claimFor(address(r));
    }

    function test_poc4_claimForAnAccountThatRefusesRevertsAndKeepsTheCredit() public {
        RevertingReceiver r = new RevertingReceiver();
        uint256 id = createAs(alice, address(r), 1000, 10, 0);
        vm.warp(T0 + 10);
        vm.prank(alice);
        sp.cancelStream(id);
        vm.expectRevert(abi.encodeWithSelector(Errors.ClaimFailed.selector, address(r), 1000));
        sp.claimFor(address(r));
        eq(sp.claimable(address(r)), 1000, "credit kept");
    }

    // ------------------------------------------------ 5. limits and events agree

    /// PoC: MAX_PROVIDER_ID was 2^24-1 while the registry issued ids up to 2^32-1.
    function test_poc5_everyRegistryIdCanBeNamedByAStream() public view {
        eq(registry.MAX_PROVIDERS(), sp.MAX_PROVIDER_ID(), "limits agree");
    }

    /// PoC: PaymentDeferred had no stream id. Now every deferral names the stream it comes from.
    function test_poc5_paymentDeferredCarriesTheStreamId() public {
        RevertingReceiver payer = new RevertingReceiver();
        vm.deal(address(payer), 1000);
        uint256 first = createAs(alice, bob, 5, 10, 0); // another stream, so the id is not 1 by luck
        uint256 id = payer.create{value: 1000}(sp, bob, 10, 0);
        ok(id != first, "distinct");
        vm.warp(T0 + 3);
        vm.expectEmit(true, true, false, true, address(sp));
        emit PaymentDeferred(id, address(payer), 700);
        vm.prank(bob);
        sp.cancelStream(id);
    }
}
