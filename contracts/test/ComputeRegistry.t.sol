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
        (uint256 none, uint256 nonePrice) = registry.getCheapestProvider("llama");
        eq(none + nonePrice, 0, "(0,0) when none");
        registerAs(bob, "llama", 30); // 1
        registerAs(carol, "llama", 20); // 2
        registerAs(bob, "llama-70b", 1); // 3: another model, cheaper
        registerAs(stranger, "llama", 20); // 4: tie with 2
        (uint256 id, uint256 price) = registry.getCheapestProvider("llama");
        eq(id, 2, "tie goes to the lowest id");
        eq(price, 20, "price");
        vm.prank(carol);
        registry.updateProvider(2, 20, "http://127.0.0.1:8787", false);
        (id,) = registry.getCheapestProvider("llama");
        eq(id, 4, "inactive skipped");
        (id, price) = registry.getCheapestProvider("mixtral");
        eq(id + price, 0, "unknown model");
    }

    function test_listings_activeIdsPagesWalletsAndModels() public {
        registerAs(bob, "a", 1); // 1
        registerAs(carol, "b", 1); // 2
        registerAs(bob, "b", 1); // 3
        registerAs(bob, "a", 1); // 4
        vm.prank(carol);
        registry.updateProvider(2, 1, "x", false);
        uint256[] memory active = registry.getActiveProviderIds();
        eq(active.length, 3, "active count");
        eq(active[0] * 100 + active[1] * 10 + active[2], 134, "active ids ascending");
        uint256[] memory byBob = registry.getProviderIdsByWallet(bob);
        eq(byBob.length, 3, "bob's");
        eq(byBob[0] * 100 + byBob[1] * 10 + byBob[2], 134, "bob's ascending");
        eq(registry.getProviderIdsByWallet(keeper).length, 0, "none");
        uint256[] memory byModel = registry.getProviderIdsByModel("b");
        eq(byModel.length * 100 + byModel[0] * 10 + byModel[1], 223, "model b: 2, 3");
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
        ComputeRegistry fresh = new ComputeRegistry();
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
