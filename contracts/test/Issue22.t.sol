// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {HostileActor, ReentrantClaimer} from "./utils/Actors.sol";
import {ReentrantBondPayee} from "./utils/RegistryActors.sol";
import {ComputeRegistry} from "../src/ComputeRegistry.sol";
import {IComputeRegistry} from "../src/IComputeRegistry.sol";
import {IStreamPay} from "../src/IStreamPay.sol";
import {Errors} from "../src/Errors.sol";

/// @notice Issue 22's audit findings, each as a test of the fixed behaviour: churn locks capital,
///         retire survives stale hints and wallets that refuse coin, listings never return retired
///         entries nor stop short on a stale cursor, and the suite's former blind spots (re-entrant
///         claims, a batch one second before the end, refused bond refunds). Ratings: Ratings.t.sol.
contract Issue22Test is Base {
    uint256 internal constant BOND = 0.01 ether;
    ComputeRegistry internal bonded;

    function setUp() public override {
        super.setUp();
        bonded = new ComputeRegistry(BOND);
    }

    function registerBonded(address wallet, string memory model) internal returns (uint256 id) {
        vm.deal(wallet, wallet.balance + BOND);
        vm.prank(wallet);
        id = bonded.registerProvider{value: BOND}(model, 1, "http://127.0.0.1:8787", 0);
    }

    function listed(string memory model) internal view returns (uint256[] memory ids) {
        (IComputeRegistry.Provider[] memory page,) = bonded.getProvidersByModel(model, 0, 200);
        ids = new uint256[](page.length);
        for (uint256 i; i < page.length; ++i) ids[i] = page[i].id;
    }

    // ------------------------------------------------ churn costs capital

    /// PoC (v2): register -> retire -> register recycled one bond forever. Now every cycle inside the
    /// cooldown locks a fresh bond: 10 cycles in a day hold 10 bonds for 30 days.
    function test_churn_eachCycleLocksABondForTheCooldown() public {
        address churner = address(0xC4A1);
        vm.deal(churner, 10 * BOND);
        for (uint256 i; i < 10; ++i) {
            vm.startPrank(churner);
            uint256 id = bonded.registerProvider{value: BOND}("echo-1", 1, "http://junk", 0);
            bonded.retireProvider(id, 0);
            vm.stopPrank();
            vm.warp(block.timestamp + 1 hours);
        }
        eq(churner.balance, 0, "all ten bonds locked: an eleventh cycle needs fresh coin");
        eq(address(bonded).balance, 10 * BOND, "held by the registry");
        vm.prank(churner);
        vm.expectRevert(abi.encodeWithSelector(Errors.WrongBond.selector, 0, BOND));
        bonded.registerProvider("echo-1", 1, "http://junk", 0);
        vm.expectRevert(abi.encodeWithSelector(Errors.BondNotDue.selector, 1, T0 + 30 days, block.timestamp));
        bonded.claimBond(1);
        vm.warp(T0 + 30 days + 10 hours);
        for (uint256 id = 1; id <= 10; ++id) bonded.claimBond(id);
        eq(churner.balance, 10 * BOND, "all back after the cooldown");
        eq(listed("echo-1").length, 0, "and none of them listed");
    }

    // ------------------------------------------------ retire with a stale hint

    /// PoC (v2): a same-model registration moved the head, so retire(id, 0) reverted BadListHint.
    /// Now the head walk finds it; and the predecessor as hint is never displaced by new heads.
    function test_retire_survivesFrontRunningRegistrations() public {
        uint256 victim = registerBonded(bob, "echo-1");
        uint256 older = registerBonded(carol, "echo-1");
        uint256 prev = registerBonded(stranger, "echo-1"); // prev of `older`
        for (uint256 i; i < 50; ++i) registerBonded(address(uint160(0x5000 + i)), "echo-1");
        vm.prank(bob);
        bonded.retireProvider(victim, 0); // stale head hint: walked from the head
        vm.prank(carol);
        bonded.retireProvider(older, prev); // exact hint: one step, whatever was registered since
        uint256[] memory ids = listed("echo-1");
        eq(ids.length, 51, "two left the list");
        for (uint256 i; i < ids.length; ++i) ok(ids[i] != victim && ids[i] != older, "not listed");
    }

    /// A hint that was itself retired has no link any more: the walk falls back to the head.
    function test_retire_withARetiredHint() public {
        uint256 a = registerBonded(bob, "m"); // list: c, b, a
        uint256 b = registerBonded(carol, "m");
        uint256 c = registerBonded(stranger, "m");
        vm.prank(carol);
        bonded.retireProvider(b, c);
        vm.prank(bob);
        bonded.retireProvider(a, b); // b was a's predecessor, now retired
        uint256[] memory ids = listed("m");
        eq(ids.length * 10 + ids[0], 10 + c, "only c listed");
        ok(bonded.getProvider(a).retired, "a retired");
    }

    /// Beyond both walks (hint and head) the hint is refused with BadListHint: a bounded walk.
    function test_retire_walkIsBounded() public {
        uint256 victim = registerBonded(bob, "m");
        // MAX_HINT_WALK + 1 entries in front of it: the head walk gives up before reaching it.
        uint256 walk = bonded.MAX_HINT_WALK();
        for (uint256 i; i < walk + 1; ++i) registerBonded(address(uint160(0x9000 + i)), "m");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.BadListHint.selector, victim, 0));
        bonded.retireProvider(victim, 0);
        vm.prank(bob);
        bonded.retireProvider(victim, victim + 1); // its true predecessor
        ok(bonded.getProvider(victim).retired, "retired with a good hint");
    }

    // ------------------------------------------------ listings

    /// PoC (v2): a cursor naming an entry retired between two pages ended the listing early, and the
    /// retired entry itself was returned. Now such a cursor reverts StaleCursor.
    function test_listing_staleCursorRevertsInsteadOfCuttingShort() public {
        for (uint256 i; i < 6; ++i) registerBonded(address(uint160(0x7000 + i)), "m"); // ids 1..6
        registerBonded(bob, "other"); // 7
        (IComputeRegistry.Provider[] memory page, uint256 next) = bonded.getProvidersByModel("m", 0, 3);
        eq(page[0].id * 100 + page[1].id * 10 + page[2].id, 654, "page 1: 6, 5, 4");
        eq(next, 3, "next: 3");
        vm.prank(address(uint160(0x7002)));
        bonded.retireProvider(3, 4);
        vm.expectRevert(abi.encodeWithSelector(Errors.StaleCursor.selector, 3));
        bonded.getProvidersByModel("m", next, 3);
        vm.expectRevert(abi.encodeWithSelector(Errors.StaleCursor.selector, 3));
        bonded.getCheapestProvider("m", next, 3);
        vm.expectRevert(abi.encodeWithSelector(Errors.StaleCursor.selector, 7));
        bonded.getProvidersByModel("m", 7, 3); // another model's entry
        // A live cursor resumes exactly, even after an entry before it left.
        (page, next) = bonded.getProvidersByModel("m", 0, 2);
        vm.prank(address(uint160(0x7005)));
        bonded.retireProvider(6, 0);
        (page, next) = bonded.getProvidersByModel("m", next, 10);
        eq(page.length * 100 + page[0].id * 10 + page[1].id, 342, "resumed at 4: 4, 2, 1");
        eq(page[2].id * 10 + next, 10, "then 1, end");
    }

    // ------------------------------------------------ wallets that cannot take coin

    /// PoC (v2): a wallet that refuses coin could never retire (the refund reverted) and its bond was
    /// locked for good. Now retiring pays nothing; retireTo names a payee that can take the bond.
    function test_refusingWallet_retiresToAPayee() public {
        HostileActor wallet = new HostileActor(); // refuses coin
        vm.deal(address(wallet), BOND);
        bytes memory reg = abi.encodeCall(ComputeRegistry.registerProvider, ("m", 1, "http://x", 0));
        uint256 id = abi.decode(wallet.exec(address(bonded), BOND, reg), (uint256));
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidPayee.selector, address(0)));
        wallet.exec(address(bonded), 0, abi.encodeCall(ComputeRegistry.retireTo, (id, 0, address(0))));
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidPayee.selector, address(bonded)));
        wallet.exec(address(bonded), 0, abi.encodeCall(ComputeRegistry.retireTo, (id, 0, address(bonded))));
        address itsStreamPay = bonded.streamPay();
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidPayee.selector, itsStreamPay));
        wallet.exec(address(bonded), 0, abi.encodeCall(ComputeRegistry.retireTo, (id, 0, itsStreamPay)));
        wallet.exec(address(bonded), 0, abi.encodeCall(ComputeRegistry.retireTo, (id, 0, carol)));
        vm.warp(block.timestamp + bonded.BOND_COOLDOWN());
        uint256 c0 = carol.balance;
        bonded.claimBond(id);
        eq(carol.balance - c0, BOND, "the payee got the bond");
        eq(address(bonded).balance, 0, "registry empty");
    }

    /// A refused payout reverts (BondRefundFailed) and leaves the bond due: it is never dropped.
    function test_refusingPayee_bondStaysDue() public {
        HostileActor wallet = new HostileActor();
        vm.deal(address(wallet), BOND);
        bytes memory reg = abi.encodeCall(ComputeRegistry.registerProvider, ("m", 1, "http://x", 0));
        uint256 id = abi.decode(wallet.exec(address(bonded), BOND, reg), (uint256));
        wallet.exec(address(bonded), 0, abi.encodeCall(ComputeRegistry.retireProvider, (id, 0)));
        vm.warp(block.timestamp + bonded.BOND_COOLDOWN());
        vm.expectRevert(abi.encodeWithSelector(Errors.BondRefundFailed.selector, address(wallet), BOND));
        bonded.claimBond(id);
        (address payee, uint256 releaseAt) = bonded.bondOf(id);
        ok(payee == address(wallet) && releaseAt != 0, "still due");
        eq(address(bonded).balance, BOND, "still held");
        wallet.setRefusing(false);
        bonded.claimBond(id);
        eq(address(wallet).balance, BOND, "paid once it accepts");
    }

    /// A payee that calls claimBond again from its receive() gets one bond, not two.
    function test_reentrantBondPayee_getsOneBond() public {
        ReentrantBondPayee payee = new ReentrantBondPayee(bonded);
        uint256 id = registerBonded(bob, "m");
        registerBonded(carol, "m"); // a second bond the registry holds
        vm.prank(bob);
        bonded.retireTo(id, 0, address(payee));
        payee.setTarget(id);
        vm.warp(block.timestamp + bonded.BOND_COOLDOWN());
        bonded.claimBond(id);
        ok(payee.reentered(), "it tried");
        eq(payee.received(), BOND, "one bond");
        eq(address(bonded).balance, BOND, "carol's bond still there");
    }

    // ------------------------------------------------ StreamPay blind spots

    /// A recipient paid by claim() that calls claim() again from its receive() gets its credit once.
    function test_reentrantClaimer_getsItsCreditOnce() public {
        ReentrantClaimer claimer = new ReentrantClaimer(sp);
        uint256 id = createAs(alice, address(claimer), 1 ether, 100, 0);
        createAs(alice, carol, 5 ether, 100, 0); // coin of another stream in the contract
        vm.warp(T0 + 50);
        vm.prank(alice);
        sp.cancelStream(id); // the push to the claimer fails: 0.5 ether credited
        eq(sp.claimable(address(claimer)), 0.5 ether, "credited");
        eq(claimer.claimNow(), 0.5 ether, "claimed");
        eq(claimer.reentries(), 1, "it re-entered");
        eq(claimer.received(), 0.5 ether, "once");
        eq(sp.claimable(address(claimer)), 0, "credit gone");
        eq(address(sp).balance, 5 ether, "the other stream's coin untouched");
    }

    /// A batch one second before a stream's end leaves it alone; at the end it closes it.
    function test_batch_atEndMinusOneSkipsTheStream() public {
        uint256 id = createAs(alice, bob, 1_000, 100, 0);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        vm.warp(T0 + 99);
        vm.prank(keeper);
        (uint256 closed, uint256 fee) = sp.batchUpdateStreams(ids);
        eq(closed + fee, 0, "nothing closed at end - 1");
        ok(statusOf(id) == IStreamPay.Status.Active, "still active");
        eq(sp.refundableAmountOf(id), 10, "the sender can still get its last second back");
        vm.warp(T0 + 100);
        vm.prank(keeper);
        (closed,) = sp.batchUpdateStreams(ids);
        eq(closed, 1, "closed at the end");
    }
}
