// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ComputeRegistry} from "../../src/ComputeRegistry.sol";
import {IComputeRegistry} from "../../src/IComputeRegistry.sol";
import {vm} from "./Vm.sol";
import {HostileActor} from "./Actors.sol";

/// @notice Drives a bonded ComputeRegistry with random registrations, updates, retirements (with
///         random hints: exact, stale, retired, of another model, no provider at all, or 0),
///         retirements to a payee, bond claims, time jumps and a wallet that refuses coin at times.
///         Ghost books: each id's model and whether it is retired, and which bonds are still held.
///         Every call is wrapped: a valid action that reverts, or an invalid one that succeeds, is a
///         violation (named in `firstViolation`).
contract RegistryHandler {
    uint256 public constant BOND = 0.01 ether;
    uint256 public constant MODELS = 3;
    ComputeRegistry public immutable registry;
    HostileActor public immutable hostile;
    address public constant PAYEE = address(0xBEEF);
    address[4] public actors;

    uint256[] public ids;
    mapping(uint256 => uint256) public modelOf;
    mapping(uint256 => address) public walletOf;
    mapping(uint256 => bool) public retired;
    /// Bonds the registry must still hold: live entries + retired ones not yet claimed.
    uint256 public bondsHeld;
    mapping(uint256 => bool) public bondPaid;

    uint256 public violations;
    string public firstViolation;
    mapping(bytes32 => uint256) public calls;

    constructor() {
        registry = new ComputeRegistry(BOND);
        hostile = new HostileActor();
        actors = [address(0xA11CE), address(0xB0B), address(0xCA201), address(hostile)];
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function modelName(uint256 m) public pure returns (string memory) {
        return m == 0 ? "llama" : m == 1 ? "llama-70b" : "sdxl";
    }

    // ------------------------------------------------------------------ actions

    function register(uint256 actorSeed, uint256 modelSeed, uint256 price) external {
        address wallet = actors[actorSeed % 4];
        uint256 m = modelSeed % MODELS;
        price = 1 + price % 1e18;
        bytes memory data = abi.encodeCall(registry.registerProvider, (modelName(m), price, "http://127.0.0.1:8787", 0));
        (bool ok, bytes memory ret) = _as(wallet, data, BOND);
        if (!ok) return _violation("a valid registration reverted");
        uint256 id = abi.decode(ret, (uint256));
        if (id != ids.length + 1) _violation("provider id != previous + 1");
        ids.push(id);
        modelOf[id] = m;
        walletOf[id] = wallet;
        bondsHeld += BOND;
        calls["register"]++;
    }

    function update(uint256 idSeed, uint256 price, bool active) external {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        price = 1 + price % 1e18;
        (bool ok,) = _as(walletOf[id], abi.encodeCall(registry.updateProvider, (id, price, "http://x", active)), 0);
        if (ok == retired[id]) return _violation(ok ? "a retired entry was updated" : "a valid update reverted");
        calls[ok ? bytes32("update") : bytes32("update refused")]++;
    }

    /// @param hintKind 0: the exact predecessor, 1: any id (stale, retired, other model), 2: no
    ///        provider at all, 3: the head hint 0, 4: a stale predecessor (the nearest newer entry of
    ///        the same model, retired or not: what a listing read before its retirement showed).
    function retire(uint256 idSeed, uint256 hintKind, uint256 hintSeed, bool toPayee) external {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        uint256 hint;
        hintKind %= 5;
        if (hintKind == 0) hint = _predecessor(id);
        else if (hintKind == 4) hint = _stalePredecessor(id);
        else if (hintKind == 1) hint = ids[hintSeed % ids.length];
        else if (hintKind == 2) hint = ids.length + 1 + hintSeed % 1000;
        bytes memory data = toPayee
            ? abi.encodeCall(registry.retireTo, (id, hint, PAYEE))
            : abi.encodeCall(registry.retireProvider, (id, hint));
        (bool ok,) = _as(walletOf[id], data, 0);
        // Lists here stay far below MAX_HINT_WALK, so every retirement of a live entry must work.
        if (ok == retired[id]) return _violation(ok ? "a retired entry was retired again" : "a valid retirement reverted");
        if (ok) {
            retired[id] = true;
            calls["retire"]++;
        } else {
            calls["retire refused"]++;
        }
    }

    function claimBond(uint256 idSeed) external {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        (address payee, uint256 releaseAt) = registry.bondOf(id);
        bool due = retired[id] && !bondPaid[id] && block.timestamp >= releaseAt;
        bool refuses = payee == address(hostile) && hostile.refusing();
        uint256 p0 = payee.balance;
        (bool ok,) = address(registry).call(abi.encodeCall(registry.claimBond, (id)));
        if (ok != (due && !refuses)) return _violation(ok ? "a bond was paid that was not due" : "a due bond was not paid");
        if (ok) {
            if (payee.balance - p0 != BOND) _violation("the payee did not get exactly the bond");
            bondPaid[id] = true;
            bondsHeld -= BOND;
            calls["claimBond"]++;
        } else {
            calls[refuses && due ? bytes32("claimBond refused by payee") : bytes32("claimBond early")]++;
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + seconds_ % 40 days);
    }

    function toggleRefusing() external {
        hostile.setRefusing(!hostile.refusing());
    }

    // ------------------------------------------------------------------ brute force

    /// @dev Live ids of model `m`, newest first: what its list must be.
    function bruteForce(uint256 m) public view returns (uint256[] memory out) {
        uint256 n;
        for (uint256 i = ids.length; i > 0; --i) if (modelOf[i] == m && !retired[i]) ++n;
        out = new uint256[](n);
        uint256 k;
        for (uint256 i = ids.length; i > 0; --i) if (modelOf[i] == m && !retired[i]) out[k++] = i;
    }

    /// @dev The list as the registry pages it (pages of 2, cursor chained).
    function paged(uint256 m) public view returns (uint256[] memory out) {
        out = new uint256[](ids.length);
        uint256 k;
        uint256 cursor;
        do {
            IComputeRegistry.Provider[] memory page;
            (page, cursor) = registry.getProvidersByModel(modelName(m), cursor, 2);
            for (uint256 i; i < page.length; ++i) out[k++] = page[i].id;
        } while (cursor != 0);
        assembly ("memory-safe") {
            mstore(out, k)
        }
    }

    function _predecessor(uint256 id) internal view returns (uint256 prev) {
        uint256[] memory list = bruteForce(modelOf[id]);
        for (uint256 i = 1; i < list.length; ++i) if (list[i] == id) return list[i - 1];
    }

    function _stalePredecessor(uint256 id) internal view returns (uint256) {
        for (uint256 i = id + 1; i <= ids.length; ++i) if (modelOf[i] == modelOf[id]) return i;
        return 0;
    }

    /// @dev Calls the registry as `who` with `value` of fresh coin; never reverts itself.
    function _as(address who, bytes memory data, uint256 value) internal returns (bool ok, bytes memory ret) {
        vm.deal(who, who.balance + value);
        if (who == address(hostile)) {
            try hostile.exec(address(registry), value, data) returns (bytes memory out) {
                return (true, out);
            } catch (bytes memory err) {
                return (false, err);
            }
        }
        vm.prank(who);
        (ok, ret) = address(registry).call{value: value}(data);
    }

    function _violation(string memory what) internal {
        if (violations == 0) firstViolation = what;
        ++violations;
    }
}
