// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ComputeRegistry} from "../../src/ComputeRegistry.sol";
import {StreamPay} from "../../src/StreamPay.sol";
import {IStreamPay} from "../../src/IStreamPay.sol";
import {vm} from "./Vm.sol";
import {HostileActor} from "./Actors.sol";

/// @notice Drives StreamPay with random valid actions (and a few deliberately invalid ones) for the
///         invariant test and keeps ghost books: what each stream paid to whom, measured as
///         balance + claimable deltas. Every action is wrapped: a revert of a valid action is a
///         liveness violation ("neither party can block the other"), an invalid action that
///         succeeds is a safety violation. After every action it checks every stream.
contract StreamHandler {
    StreamPay public immutable sp;
    ComputeRegistry public immutable registry;
    HostileActor public immutable hostile;
    address public constant KEEPER = address(0x4EE9E4);
    address public constant SINK = address(0xDEAD);
    address[4] public actors;
    uint256 public immutable providerId;

    uint256[] public ids;
    mapping(uint256 => uint256) public depositOf;
    mapping(uint256 => uint256) public toRecipient;
    mapping(uint256 => uint256) public toSender;
    mapping(uint256 => uint256) public toKeeper;
    mapping(uint256 => uint8) public lastStatus;
    mapping(uint256 => uint256) public lastStreamed;

    uint256 public expectedKeeperFees;
    uint256 public violations;
    string public firstViolation;
    /// Calls per action and outcome ("create", "create reverted", "settle refused", ...).
    mapping(bytes32 => uint256) public calls;
    uint256 public createsTried;
    uint256 public createsOk;
    uint256 public hostileSent;
    uint256 public hostilePaid;
    mapping(uint256 => bool) public ratedInGhost;

    constructor(ComputeRegistry registry_, StreamPay sp_) {
        registry = registry_;
        sp = sp_;
        hostile = new HostileActor();
        actors = [address(0xA11CE), address(0xB0B), address(0xCA201), address(hostile)];
        vm.prank(actors[1]);
        providerId = registry.registerProvider("m", 1, "e", 0);
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    /// @dev What `who` has in hand: coin plus what StreamPay owes it.
    function held(address who) public view returns (uint256) {
        return who.balance + sp.claimable(who);
    }

    // ------------------------------------------------------------------ actions

    function create(uint256 senderSeed, uint256 recipientSeed, uint256 deposit, uint256 duration, bool asProvider)
        external
    {
        address sender = actors[senderSeed % 4];
        address recipient = actors[recipientSeed % 4];
        deposit = 1 + deposit % sp.MAX_DEPOSIT(); // inside the valid bounds: every create is valid
        duration = 1 + duration % 1e6;
        // A provider stream to a wallet that is not the provider's is allowed; settle must refuse it.
        // A provider stream to oneself is not (createRefused tries it).
        uint256 pid = asProvider && sender != recipient ? providerId : 0;
        createsTried++;
        (bool ok, bytes memory ret) = _as(sender, abi.encodeCall(sp.createStream, (recipient, duration, 0, pid)), deposit);
        if (!ok) {
            calls["create reverted"]++;
            return _violation("liveness: a valid createStream reverted");
        }
        createsOk++;
        if (sender == address(hostile)) hostileSent++;
        if (recipient == address(hostile)) hostilePaid++;
        uint256 id = abi.decode(ret, (uint256));
        if (id != (ids.length == 0 ? 1 : ids[ids.length - 1] + 1)) _violation("stream id != previous + 1");
        ids.push(id);
        depositOf[id] = deposit;
        calls["create"]++;
        _checkAll();
    }

    /// Invalid creates (self-attribution, recipients that could never take coin out) must revert.
    function createRefused(uint256 kind, uint256 senderSeed) external {
        address sender = actors[senderSeed % 4];
        kind %= 4;
        address recipient = kind == 0 ? sender : kind == 1 ? address(sp) : kind == 2 ? address(registry) : address(0);
        uint256 pid = kind == 0 ? providerId : 0;
        uint256 next = sp.nextStreamId();
        (bool ok,) = _as(sender, abi.encodeCall(sp.createStream, (recipient, 10, 0, pid)), 1);
        if (ok || sp.nextStreamId() != next) return _violation("an invalid createStream was accepted");
        calls["create refused"]++;
    }

    function withdraw(uint256 idSeed) external {
        (uint256 id, IStreamPay.Stream memory s) = _pick(idSeed);
        if (s.status != IStreamPay.Status.Active || sp.withdrawableAmountOf(id) == 0) return;
        uint256 r0 = held(s.recipient);
        (bool ok, bytes memory ret) = _as(s.recipient, abi.encodeCall(sp.withdrawFromStream, (id)), 0);
        if (!ok) return _violation("liveness: a valid withdraw reverted");
        uint256 amount = abi.decode(ret, (uint256));
        toRecipient[id] += held(s.recipient) - r0;
        if (held(s.recipient) - r0 != amount) _violation("withdraw paid != returned amount");
        calls["withdraw"]++;
        _checkAll();
    }

    function cancel(uint256 idSeed, bool bySender) external {
        (uint256 id, IStreamPay.Stream memory s) = _pick(idSeed);
        if (s.status != IStreamPay.Status.Active) return;
        (uint256 r0, uint256 s0) = (held(s.recipient), held(s.sender));
        (bool ok,) = _as(bySender ? s.sender : s.recipient, abi.encodeCall(sp.cancelStream, (id)), 0);
        if (!ok) return _violation("liveness: a valid cancel reverted");
        _book(id, s, r0, s0);
        calls["cancel"]++;
        _checkAll();
    }

    function settle(uint256 idSeed, uint256 amountSeed) external {
        (uint256 id, IStreamPay.Stream memory s) = _pick(idSeed);
        if (s.status != IStreamPay.Status.Active) return;
        uint256 streamed = sp.streamedAmountOf(id);
        uint256 amount = s.withdrawn + amountSeed % (streamed - s.withdrawn + 1);
        // A settle for 0 records nothing, so even a mis-attributed stream may settle for 0.
        bool valid = s.providerId == 0 || s.recipient == actors[1] || amount == 0;
        uint256 jobs0 = registry.getProvider(providerId).completedJobs;
        (uint256 r0, uint256 s0) = (held(s.recipient), held(s.sender));
        (bool ok,) = _as(s.recipient, abi.encodeCall(sp.settle, (id, amount)), 0);
        if (ok) {
            _book(id, s, r0, s0);
            if (!valid) _violation("settle attributed a stream to a wrong wallet");
            uint256 counted = registry.getProvider(providerId).completedJobs - jobs0;
            if (counted != (s.providerId != 0 && amount != 0 ? 1 : 0)) _violation("completedJobs != settles for > 0");
            calls["settle"]++;
        } else {
            if (valid) return _violation("liveness: a valid settle reverted");
            calls["settle refused"]++;
        }
        _checkAll();
    }

    function batch(uint256 a, uint256 b, uint256 c, uint256 callerSeed) external {
        if (ids.length == 0) return;
        uint256[] memory list = new uint256[](4);
        (list[0], list[1], list[2], list[3]) = (ids[a % ids.length], ids[b % ids.length], c % (ids.length + 3), ids[a % ids.length]);
        // Mostly a third-party keeper; sometimes a party to the first stream (who must never earn a fee).
        IStreamPay.Stream memory first = sp.getStream(list[0]);
        address caller = callerSeed % 3 == 0 ? KEEPER : callerSeed % 3 == 1 ? first.sender : first.recipient;
        uint256[4] memory fees;
        uint256 feeExpected;
        IStreamPay.Stream[] memory before = new IStreamPay.Stream[](4);
        for (uint256 i; i < 4; ++i) {
            before[i] = sp.getStream(list[i]);
            IStreamPay.Stream memory s = before[i];
            if (_seen(list, i) || s.status != IStreamPay.Status.Active || block.timestamp < s.startTime + s.duration) continue;
            bool thirdParty = caller != s.sender && caller != s.recipient;
            if (thirdParty && block.timestamp >= s.startTime + s.duration + sp.KEEPER_GRACE()) {
                fees[i] = (s.deposit - s.withdrawn) / 1000;
                feeExpected += fees[i];
            }
        }
        uint256 k0 = held(KEEPER);
        (bool ok, bytes memory ret) = _as(caller, abi.encodeCall(sp.batchUpdateStreams, (list)), 0);
        if (!ok) return _violation("liveness: batchUpdateStreams reverted");
        (, uint256 fee) = abi.decode(ret, (uint256, uint256));
        if (fee != feeExpected) _violation("keeper fee not the exact floor after the grace period, or paid to a party");
        if (caller == KEEPER) {
            if (held(KEEPER) - k0 != fee) _violation("keeper not paid its fee");
            expectedKeeperFees += feeExpected;
        }
        for (uint256 i; i < 4; ++i) {
            uint256 id = list[i];
            if (!_seen(list, i) && before[i].status == IStreamPay.Status.Active && sp.getStream(id).status != IStreamPay.Status.Active) {
                uint256 rest = before[i].deposit - before[i].withdrawn;
                toRecipient[id] += rest - fees[i];
                toKeeper[id] += fees[i];
            }
        }
        calls[caller == KEEPER ? bytes32("batch by keeper") : bytes32("batch by a party")]++;
        _checkAll();
    }

    /// Issue 22: the sender of a closed stream rates it through the registry. Valid exactly when it
    /// is a provider stream paying the provider's wallet something and not rated yet; the rating
    /// flag shares the status byte, so _checkAll also proves it never disturbs a stream's books.
    function rate(uint256 idSeed, uint8 score) external {
        (uint256 id, IStreamPay.Stream memory s) = _pick(idSeed);
        if (s.status == IStreamPay.Status.None) return;
        score = uint8(score % 101);
        bool valid = s.status != IStreamPay.Status.Active && s.providerId != 0 && s.recipient == actors[1]
            && s.withdrawn != 0 && !ratedInGhost[id];
        uint256 before = registry.getReputation(providerId).ratings;
        bytes memory data = abi.encodeCall(registry.rateStream, (id, score, 100, 10, 0, bytes32(0)));
        bool ok;
        if (s.sender == address(hostile)) {
            try hostile.exec(address(registry), 0, data) {
                ok = true;
            } catch {}
        } else {
            vm.prank(s.sender);
            (ok,) = address(registry).call(data);
        }
        if (ok != valid) return _violation(valid ? "liveness: a valid rating reverted" : "an invalid rating was accepted");
        if (ok) {
            ratedInGhost[id] = true;
            calls["rate"]++;
            if (registry.getReputation(providerId).ratings != before + 1 || !sp.isRated(id)) _violation("rating not counted once");
        } else {
            calls["rate refused"]++;
        }
        _checkAll();
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + seconds_ % 200_000);
        calls["warp"]++;
        _checkAll();
    }

    /// Claims: by the account itself (the hostile one to another address), or pushed by anyone with
    /// claimFor, which must succeed unless the account refuses coin.
    function claim(uint256 actorSeed, bool pushed) external {
        address who = actors[actorSeed % 4];
        uint256 owed = sp.claimable(who);
        if (owed == 0) return;
        uint256 before = held(who);
        bool ok;
        if (pushed) {
            vm.prank(KEEPER);
            try sp.claimFor(who) {
                ok = true;
            } catch {}
            bool refuses = who == address(hostile) && hostile.refusing();
            if (ok == refuses) return _violation(refuses ? "claimFor paid a refusing account" : "liveness: a valid claimFor reverted");
            if (ok && held(who) != before) _violation("claimFor lost or made coin");
        } else if (who == address(hostile)) {
            (ok,) = _as(who, abi.encodeCall(sp.claimTo, (payable(SINK))), 0);
            if (!ok) return _violation("liveness: claimTo reverted");
        } else {
            (ok,) = _as(who, abi.encodeCall(sp.claim, ()), 0);
            if (!ok) return _violation("liveness: claim reverted");
            if (held(who) != before) _violation("claim lost or made coin");
        }
        if (ok && sp.claimable(who) != 0) _violation("a claim left a credit");
        calls[pushed ? bytes32("claimFor") : bytes32("claim")]++;
    }

    function toggleHostile() external {
        hostile.setRefusing(!hostile.refusing());
        calls["toggle hostile"]++;
    }

    // ------------------------------------------------------------------ books and checks

    /// @dev Calls StreamPay as `who` with `value` of fresh coin; never reverts itself.
    function _as(address who, bytes memory data, uint256 value) internal returns (bool ok, bytes memory ret) {
        vm.deal(who, who.balance + value);
        if (who == address(hostile)) {
            try hostile.exec(address(sp), value, data) returns (bytes memory out) {
                return (true, out);
            } catch (bytes memory err) {
                return (false, err);
            }
        }
        vm.prank(who);
        (ok, ret) = address(sp).call{value: value}(data);
    }

    function _seen(uint256[] memory list, uint256 i) internal pure returns (bool) {
        for (uint256 j; j < i; ++j) if (list[j] == list[i]) return true;
        return false;
    }

    function _pick(uint256 seed) internal view returns (uint256 id, IStreamPay.Stream memory s) {
        if (ids.length == 0) return (0, s);
        id = ids[seed % ids.length];
        s = sp.getStream(id);
    }

    /// @dev Books a close: the recipient's and sender's gains (the same address can be both).
    function _book(uint256 id, IStreamPay.Stream memory s, uint256 r0, uint256 s0) internal {
        if (s.recipient == s.sender) {
            // Cannot split by deltas; the view says what the recipient got in total.
            uint256 recipientTotal = sp.getStream(id).withdrawn;
            toSender[id] += held(s.sender) - s0 - (recipientTotal - s.withdrawn);
            toRecipient[id] += recipientTotal - s.withdrawn;
        } else {
            toRecipient[id] += held(s.recipient) - r0;
            toSender[id] += held(s.sender) - s0;
        }
    }

    function _checkAll() internal {
        for (uint256 i; i < ids.length; ++i) {
            uint256 id = ids[i];
            IStreamPay.Stream memory s = sp.getStream(id);
            uint8 now_ = uint8(s.status);
            uint8 was = lastStatus[id];
            bool allowed = now_ == was || (was == 0 && now_ == 1) || (was == 1 && now_ >= 2);
            if (!allowed) _violation("forbidden status change");
            lastStatus[id] = now_;
            uint256 owedHere = now_ == 1 ? s.deposit - s.withdrawn : 0;
            if (toRecipient[id] + toSender[id] + toKeeper[id] + owedHere != depositOf[id]) {
                _violation("conservation: paid + refunded + fees + held != deposit");
            }
            if (now_ == 1) {
                uint256 streamed = sp.streamedAmountOf(id);
                if (streamed < lastStreamed[id] || streamed > s.deposit) _violation("streamed not monotone or above deposit");
                if (s.withdrawn != toRecipient[id]) _violation("withdrawn view != what the recipient got");
                lastStreamed[id] = streamed;
            } else if (s.withdrawn != toRecipient[id]) {
                _violation("closed stream's recipient total != what it got");
            }
        }
    }

    function _violation(string memory what) internal {
        if (violations == 0) firstViolation = what;
        ++violations;
    }
}
