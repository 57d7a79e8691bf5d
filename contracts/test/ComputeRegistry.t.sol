// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {ComputeRegistry} from "../src/ComputeRegistry.sol";
import {StreamPay} from "../src/StreamPay.sol";
import {IComputeRegistry} from "../src/IComputeRegistry.sol";
import {Errors} from "../src/Errors.sol";

/// @notice Unit tests of ComputeRegistry.
contract ComputeRegistryTest is Base {
    event ProviderRegistered(
        uint256 indexed providerId,
        address indexed wallet,
        string model,
        uint256 pricePerSecond,
        string endpoint,
        uint8 serviceType
    );
    event ProviderUpdated(
        uint256 indexed providerId, address indexed wallet, uint256 pricePerSecond, string endpoint, bool active
    );

    function test_register_assignsIdsFromOneAndStoresEverything() public {
        eq(registry.providerCount(), 0, "empty");
        vm.expectEmit(true, true, false, true, address(registry));
        emit ProviderRegistered(1, bob, "llama", 25, "http://127.0.0.1:8787", 0);
        eq(registerAs(bob, "llama", 25), 1, "first id");
        vm.prank(carol);
        eq(registry.registerProvider("sdxl", 7, "https://img.example", 1), 2, "second id");
        IComputeRegistry.Provider memory p = registry.getProvider(2);
        eq(p.id, 2, "id");
        eq(p.wallet, carol, "wallet");
        ok(keccak256(bytes(p.model)) == keccak256("sdxl"), "model");
        ok(keccak256(bytes(p.endpoint)) == keccak256("https://img.example"), "endpoint");
        eq(p.pricePerSecond, 7, "price");
        eq(p.serviceType, 1, "serviceType");
        ok(p.active, "active");
        eq(p.registeredAt, T0, "registeredAt");
        eq(p.completedJobs + p.totalEarned, 0, "no earnings yet");
        eq(registry.providerCount(), 2, "count");
    }

    function test_register_rejectsBadInput() public {
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidModel.selector, 0, 128));
        registry.registerProvider("", 1, "e", 0);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidEndpoint.selector, 0, 256));
        registry.registerProvider("m", 1, "", 0);
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidPrice.selector, 0, type(uint96).max));
        registry.registerProvider("m", 0, "e", 0);
        uint256 tooHigh = uint256(type(uint96).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(Errors.InvalidPrice.selector, tooHigh, type(uint96).max));
        registry.registerProvider("m", tooHigh, "e", 0);
        vm.expectRevert(abi.encodeWithSelector(Errors.UnknownProvider.selector, 1));
        registry.getProvider(1);
        vm.stopPrank();
    }

    function test_update_onlyByTheWalletAndEmitsTheNewValues() public {
        uint256 id = registerAs(bob, "llama", 25);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotProviderWallet.selector, id, bob, carol));
        registry.updateProvider(id, 1, "x", true);
        vm.expectRevert(abi.encodeWithSelector(Errors.UnknownProvider.selector, 9));
        registry.updateProvider(9, 1, "x", true);
        vm.expectEmit(true, true, false, true, address(registry));
        emit ProviderUpdated(id, bob, 30, "https://new.example/v1", false);
        vm.prank(bob);
        registry.updateProvider(id, 30, "https://new.example/v1", false);
        IComputeRegistry.Provider memory p = registry.getProvider(id);
        eq(p.pricePerSecond, 30, "price");
        ok(!p.active, "inactive");
        ok(keccak256(bytes(p.endpoint)) == keccak256("https://new.example/v1"), "endpoint");
    }

    function test_cheapest_onlyActiveProvidersOfThatModelTiesToLowestId() public {
        (uint256 none, uint256 nonePrice, uint256 noneNext) = registry.getCheapestProvider("llama", 0, 100);
        eq(none + nonePrice + noneNext, 0, "(0,0,0) when none");
        registerAs(bob, "llama", 30); // 1
        registerAs(carol, "llama", 20); // 2
        registerAs(bob, "llama-70b", 1); // 3: another model, cheaper
        registerAs(stranger, "llama", 20); // 4: tie with 2
        (uint256 id, uint256 price, uint256 next) = registry.getCheapestProvider("llama", 0, 100);
        eq(id, 2, "tie goes to the lowest id");
        eq(price, 20, "price");
        eq(next, 0, "one page");
        // Pages of one: newest first (4, 2, 1), each page its own best, the cursor chains them.
        (id, price, next) = registry.getCheapestProvider("llama", 0, 1);
        eq(id * 10 + next, 42, "page 1: provider 4, next 2");
        (id, price, next) = registry.getCheapestProvider("llama", next, 1);
        eq(id * 10 + next, 21, "page 2: provider 2, next 1");
        (id, price, next) = registry.getCheapestProvider("llama", next, 1);
        eq(id * 10 + next, 10, "page 3: provider 1, end");
        vm.prank(carol);
        registry.updateProvider(2, 20, "http://127.0.0.1:8787", false);
        (id,,) = registry.getCheapestProvider("llama", 0, 100);
        eq(id, 4, "inactive skipped");
        (id, price,) = registry.getCheapestProvider("mixtral", 0, 100);
        eq(id + price, 0, "unknown model");
    }

    function test_listings_pagedByIdsWalletsAndModels() public {
        registerAs(bob, "a", 1); // 1
        registerAs(carol, "b", 1); // 2
        registerAs(bob, "b", 1); // 3
        registerAs(bob, "a", 1); // 4
        vm.prank(carol);
        registry.updateProvider(2, 1, "x", false);
        (uint256[] memory active, uint256 next) = registry.getActiveProviderIds(0, 100);
        eq(active.length, 3, "active count");
        eq(active[0] * 100 + active[1] * 10 + active[2], 134, "active ids ascending");
        eq(next, 0, "whole range in one window");
        (active, next) = registry.getActiveProviderIds(0, 2);
        eq(active.length * 10 + active[0], 11, "window 1..2: only 1 is active");
        eq(next, 2, "next window starts after id 2");
        (active, next) = registry.getActiveProviderIds(next, 2);
        eq(active.length * 100 + active[0] * 10 + active[1], 234, "window 3..4");
        eq(next, 0, "end");
        (uint256[] memory byBob, uint256 nextW) = registry.getProviderIdsByWallet(bob, 0, 100);
        eq(byBob.length, 3, "bob's");
        eq(byBob[0] * 100 + byBob[1] * 10 + byBob[2], 134, "bob's ascending");
        eq(nextW, 0, "one window");
        (byBob, nextW) = registry.getProviderIdsByWallet(bob, 1, 2);
        eq(byBob.length * 10 + byBob[0], 13, "window 2..3 holds bob's 3");
        eq(nextW, 3, "continue after 3");
        (byBob,) = registry.getProviderIdsByWallet(keeper, 0, 100);
        eq(byBob.length, 0, "none");
        (byBob, nextW) = registry.getProviderIdsByWallet(bob, 9, 100);
        eq(byBob.length + nextW, 0, "past the end");
        (IComputeRegistry.Provider[] memory byModel, uint256 cursor) = registry.getProvidersByModel("b", 0, 100);
        eq(byModel.length * 100 + byModel[0].id * 10 + byModel[1].id, 232, "model b newest first: 3, 2");
        eq(cursor, 0, "one page");
        (byModel, cursor) = registry.getProvidersByModel("a", 0, 1);
        eq(byModel.length * 100 + byModel[0].id * 10 + cursor, 141, "model a page 1: 4, next 1");
        (byModel, cursor) = registry.getProvidersByModel("a", cursor, 1);
        eq(byModel.length * 100 + byModel[0].id * 10 + cursor, 110, "model a page 2: 1, end");
        (byModel, cursor) = registry.getProvidersByModel("zzz", 0, 100);
        eq(byModel.length + cursor, 0, "unknown model");
        vm.expectRevert(abi.encodeWithSelector(Errors.UnknownProvider.selector, 5));
        registry.getProvidersByModel("a", 5, 100); // a cursor that is no provider
        vm.expectRevert(abi.encodeWithSelector(Errors.UnknownProvider.selector, 99));
        registry.getCheapestProvider("a", 99, 100);
        (IComputeRegistry.Provider[] memory page, uint256 total) = registry.getProviders(1, 2);
        eq(total, 4, "total");
        eq(page.length, 2, "page size");
        eq(page[0].id * 10 + page[1].id, 23, "ids 2,3");
        (page, total) = registry.getProviders(3, 10);
        eq(page.length, 1, "clipped");
        eq(page[0].id, 4, "last");
        (page,) = registry.getProviders(4, 10);
        eq(page.length, 0, "past the end");
        (page,) = registry.getProviders(0, type(uint256).max);
        eq(page.length, 4, "huge limit");
    }

    function test_pages_areClampedToTheirMaximum() public {
        for (uint256 i; i < 3; ++i) registerAs(bob, "m", 1);
        // vm.store: pretend 5,000 providers exist (empty records) to see the clamps.
        vm.store(address(registry), bytes32(uint256(0)), bytes32(uint256(5_001)));
        (IComputeRegistry.Provider[] memory page,) = registry.getProviders(0, type(uint256).max);
        eq(page.length, registry.MAX_PAGE(), "getProviders clamps to MAX_PAGE");
        (uint256[] memory ids, uint256 next) = registry.getProviderIdsByWallet(bob, 0, type(uint256).max);
        eq(ids.length, 3, "bob's three in the first window");
        eq(next, registry.MAX_SCAN(), "the window stopped at MAX_SCAN ids");
        (ids, next) = registry.getActiveProviderIds(4_000, type(uint256).max);
        eq(ids.length + next, 0, "last window: nothing active, end");
    }

    function test_bond_isExactLockedAndReturnedOnlyAfterTheCooldown() public {
        ComputeRegistry bonded = new ComputeRegistry(0.5 ether);
        eq(bonded.REGISTRATION_BOND(), 0.5 ether, "bond");
        vm.deal(bob, 2 ether);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.WrongBond.selector, 0, 0.5 ether));
        bonded.registerProvider("m", 1, "e", 0);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.WrongBond.selector, 1 ether, 0.5 ether));
        bonded.registerProvider{value: 1 ether}("m", 1, "e", 0);
        vm.prank(bob);
        uint256 id = bonded.registerProvider{value: 0.5 ether}("m", 1, "e", 0);
        eq(address(bonded).balance, 0.5 ether, "locked");
        vm.expectRevert(abi.encodeWithSelector(Errors.NoBondDue.selector, id));
        bonded.claimBond(id); // listed: nothing due
        uint256 b0 = bob.balance;
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotProviderWallet.selector, id, bob, carol));
        bonded.retireProvider(id, 0);
        vm.prank(bob);
        bonded.retireProvider(id, 0);
        eq(bob.balance, b0, "retiring pays nothing");
        (address payee, uint256 releaseAt) = bonded.bondOf(id);
        eq(payee, bob, "payee: the wallet");
        eq(releaseAt, T0 + bonded.BOND_COOLDOWN(), "released after the cooldown");
        vm.warp(releaseAt - 1);
        vm.expectRevert(abi.encodeWithSelector(Errors.BondNotDue.selector, id, releaseAt, releaseAt - 1));
        bonded.claimBond(id);
        vm.warp(releaseAt);
        vm.prank(stranger); // anyone may push it to the payee
        eq(bonded.claimBond(id), 0.5 ether, "claimed");
        eq(bob.balance - b0, 0.5 ether, "refunded to the wallet");
        eq(address(bonded).balance, 0, "nothing left");
        vm.expectRevert(abi.encodeWithSelector(Errors.NoBondDue.selector, id));
        bonded.claimBond(id); // once
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.ProviderIsRetired.selector, id));
        bonded.retireProvider(id, 0);
    }

    function test_retire_unlinksWithAnyHintAndFreezesTheEntry() public {
        registerAs(bob, "m", 5); // 1
        registerAs(carol, "m", 3); // 2
        registerAs(stranger, "m", 4); // 3 (head)
        registerAs(keeper, "other", 4); // 4, another model
        vm.prank(carol);
        registry.retireProvider(2, 1); // a wrong hint (1 comes after 2): found from the head instead
        (IComputeRegistry.Provider[] memory list,) = registry.getProvidersByModel("m", 0, 100);
        eq(list.length * 100 + list[0].id * 10 + list[1].id, 231, "2 left the list: 3, 1");
        (uint256 id,,) = registry.getCheapestProvider("m", 0, 100);
        eq(id, 3, "the retired cheapest is gone");
        IComputeRegistry.Provider memory p = registry.getProvider(2);
        ok(p.retired && !p.active, "retired, inactive");
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(Errors.ProviderIsRetired.selector, 2));
        registry.updateProvider(2, 3, "e", true);
        vm.prank(bob);
        registry.retireProvider(1, 4); // a hint of another model: falls back to the head
        vm.prank(stranger);
        registry.retireProvider(3, 999); // the head, with a hint that is no provider
        (list,) = registry.getProvidersByModel("m", 0, 100);
        eq(list.length, 0, "all gone");
        (list,) = registry.getProvidersByModel("other", 0, 100);
        eq(list.length * 10 + list[0].id, 14, "the other model untouched");
    }

    function test_limits_registryIdsFitWhatAStreamCanName() public view {
        eq(registry.MAX_PROVIDERS(), sp.MAX_PROVIDER_ID(), "MAX_PROVIDERS == MAX_PROVIDER_ID");
    }

    function test_registryFull_atMaxProviders() public {
        vm.store(address(registry), bytes32(uint256(0)), bytes32(registry.MAX_PROVIDERS()));
        uint256 last = registerAs(bob, "m", 1);
        eq(last, registry.MAX_PROVIDERS(), "the last id");
        // ... and a stream can name it.
        vm.deal(alice, 1);
        eq(createAs(alice, bob, 1, 10, last), 1, "stream to the last provider id");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.RegistryFull.selector, registry.MAX_PROVIDERS()));
        registry.registerProvider("m", 1, "e", 0);
    }

    function test_recordCompletion_onlyByTheBoundStreamPay() public {
        uint256 id = registerAs(bob, "llama", 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotStreamPay.selector, bob, address(sp)));
        registry.recordCompletion(id, 1, bob, 1 ether);
        vm.prank(address(sp));
        registry.recordCompletion(id, 1, bob, 5);
        vm.prank(address(sp));
        vm.expectRevert(abi.encodeWithSelector(Errors.NotProviderWallet.selector, 2, address(0), bob));
        registry.recordCompletion(2, 1, bob, 5);
        eq(registry.getProvider(id).completedJobs, 1, "jobs");
        eq(registry.getProvider(id).totalEarned, 5, "earned");
    }

    function test_bind_registryDeploysAndTrustsItsOwnStreamPay() public {
        ComputeRegistry fresh = new ComputeRegistry(0);
        address bound = fresh.streamPay();
        ok(bound.code.length > 0, "deployed");
        eq(address(StreamPay(payable(bound)).registry()), address(fresh), "points back");
        ok(bound != address(sp), "one StreamPay per registry");
        // Another registry's StreamPay cannot record here.
        vm.prank(bound);
        vm.expectRevert(abi.encodeWithSelector(Errors.NotStreamPay.selector, bound, address(sp)));
        registry.recordCompletion(1, 1, bob, 1);
    }
}
