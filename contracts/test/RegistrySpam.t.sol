// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {Base} from "./utils/Base.sol";
import {vm} from "./utils/Vm.sol";
import {IComputeRegistry} from "../src/IComputeRegistry.sol";
import {ComputeRegistry} from "../src/ComputeRegistry.sol";

/// @notice Issue 14's spam PoC: 20,000 junk registrations (written with storage cheats, exactly as
///         registerProvider lays them out: same model as the real provider, active, cheaper, newest
///         first) in front of one real provider. Every paged view stays under its documented
///         worst case, and the runtime's registration check and the SDK's discovery, done with
///         only those calls, still find the real provider. Gas is measured inside a call; an
///         eth_call adds the 21,000 base and calldata (contracts/README.md lists both).
contract RegistrySpamTest is Base {
    uint256 internal constant JUNK = 20_000;
    address internal constant SPAMMER = address(0x5BA4);
    // Documented worst cases per call (contracts/README.md, "Paged views"); measured + ~10%.
    uint256 internal constant MAX_GAS_PROVIDER_PAGE = 3_300_000; // getProviders / getProvidersByModel, 200 entries
    uint256 internal constant MAX_GAS_ID_SCAN = 5_600_000; // getProviderIdsByWallet / getActiveProviderIds, 2,000 ids
    uint256 internal constant MAX_GAS_CHEAPEST = 9_500_000; // getCheapestProvider, 2,000 entries

    uint256 internal real;

    function setUp() public override {
        super.setUp();
        real = registerAs(bob, "echo-1", 10); // id 1: at the tail of the newest-first list
        bytes32 model = _short("echo-1");
        bytes32 endpoint = _short("http://junk.invalid");
        for (uint256 id = 2; id <= JUNK + 1; ++id) {
            uint256 base = uint256(keccak256(abi.encode(id, uint256(1)))); // _providers[id]
            // slot 0: wallet | price 1; slot 1: registeredAt | serviceType 0 | active | next = id - 1
            vm.store(address(registry), bytes32(base), bytes32(uint256(uint160(SPAMMER)) | (uint256(1) << 160)));
            vm.store(address(registry), bytes32(base + 1), bytes32(T0 | (uint256(1) << 48) | ((id - 1) << 64)));
            vm.store(address(registry), bytes32(base + 2), model);
            vm.store(address(registry), bytes32(base + 3), endpoint);
        }
        vm.store(address(registry), keccak256(abi.encode(keccak256("echo-1"), uint256(2))), bytes32(JUNK + 1)); // head
        vm.store(address(registry), bytes32(0), bytes32(JUNK + 2)); // _nextId
    }

    function test_spam_everyPagedViewStaysUnderItsWorstCase() public view {
        // The cheat wrote real-looking entries.
        eq(registry.providerCount(), JUNK + 1, "count");
        IComputeRegistry.Provider memory p = registry.getProvider(JUNK + 1);
        eq(p.wallet, SPAMMER, "wallet");
        ok(p.active && keccak256(bytes(p.model)) == keccak256("echo-1"), "active, same model");
        eq(p.pricePerSecond, 1, "cheaper than the real one");
        uint256 g = gasleft();
        (IComputeRegistry.Provider[] memory page,) = registry.getProviders(0, type(uint256).max);
        uint256 used = g - gasleft();
        console.log("getProviders, full page (200):", used);
        ok(page.length == 200 && used <= MAX_GAS_PROVIDER_PAGE, "getProviders");
        g = gasleft();
        (page,) = registry.getProvidersByModel("echo-1", 0, type(uint256).max);
        used = g - gasleft();
        console.log("getProvidersByModel, full page (200):", used);
        ok(page.length == 200 && used <= MAX_GAS_PROVIDER_PAGE, "getProvidersByModel");
        g = gasleft();
        (uint256[] memory ids,) = registry.getProviderIdsByWallet(bob, 0, type(uint256).max);
        used = g - gasleft();
        console.log("getProviderIdsByWallet, full window (2,000 ids):", used);
        ok(ids.length == 1 && used <= MAX_GAS_ID_SCAN, "getProviderIdsByWallet");
        g = gasleft();
        (ids,) = registry.getActiveProviderIds(0, type(uint256).max);
        used = g - gasleft();
        console.log("getActiveProviderIds, full window (2,000 ids, all active):", used);
        ok(ids.length == 2_000 && used <= MAX_GAS_ID_SCAN, "getActiveProviderIds");
        g = gasleft();
        registry.getCheapestProvider("echo-1", 0, type(uint256).max);
        used = g - gasleft();
        console.log("getCheapestProvider, full page (2,000 entries):", used);
        ok(used <= MAX_GAS_CHEAPEST, "getCheapestProvider");
    }

    /// What runtime/chain/register-offering.ts does at every provider start: page through the
    /// wallet's ids, each call bounded. 11 calls for 20,002 ids.
    function test_spam_registrationCheckFindsTheProvidersOfItsWallet() public {
        uint256 again = registerAs(bob, "other-model", 5); // after the junk
        uint256[] memory found = new uint256[](4);
        uint256 n;
        uint256 calls;
        uint256 offset;
        do {
            (uint256 used, uint256[] memory ids, uint256 next) = this.walletWindow(offset);
            ok(used <= MAX_GAS_ID_SCAN, "each call bounded");
            for (uint256 i; i < ids.length; ++i) found[n++] = ids[i];
            offset = next;
            ++calls;
        } while (offset != 0);
        eq(n, 2, "bob's two");
        eq(found[0] * 100_000 + found[1], real * 100_000 + again, "ids 1 and 20,002");
        eq(calls, 11, "ceil(20,002 / 2,000) calls");
    }

    /// What runtime/client/registry.ts does for discovery: page along the model's list, each
    /// call bounded, until the end; the real provider is on the last page.
    function test_spam_discoveryPagesAlongTheModelToTheRealProvider() public view {
        uint256 cursor;
        uint256 pages;
        uint256 seen;
        bool foundReal;
        do {
            (uint256 used, IComputeRegistry.Provider[] memory page, uint256 next) = this.modelPage(cursor);
            ok(used <= MAX_GAS_PROVIDER_PAGE, "each page bounded");
            for (uint256 i; i < page.length; ++i) if (page[i].id == real && page[i].wallet == bob) foundReal = true;
            seen += page.length;
            cursor = next;
            ++pages;
        } while (cursor != 0);
        ok(foundReal, "the real provider is found");
        eq(seen, JUNK + 1, "every entry once");
        eq(pages, 101, "ceil(20,001 / 200) pages");
    }

    /// One call measured in a fresh frame (the caller's growing memory is not charged to it).
    function walletWindow(uint256 offset) external view returns (uint256 used, uint256[] memory ids, uint256 next) {
        uint256 g = gasleft();
        (ids, next) = registry.getProviderIdsByWallet(bob, offset, registry.MAX_SCAN());
        used = g - gasleft();
    }

    function modelPage(uint256 cursor) external view returns (uint256 used, IComputeRegistry.Provider[] memory page, uint256 next) {
        uint256 g = gasleft();
        (page, next) = registry.getProvidersByModel("echo-1", cursor, 200);
        used = g - gasleft();
    }

    /// Solidity's layout of a string of at most 31 bytes: the bytes left-aligned, length * 2 last.
    function _short(string memory s) internal pure returns (bytes32 v) {
        bytes memory b = bytes(s);
        v = bytes32(b);
        v |= bytes32(b.length * 2);
    }
}
