// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ComputeRegistry} from "../../src/ComputeRegistry.sol";
import {StreamPay} from "../../src/StreamPay.sol";
import {IStreamPay} from "../../src/IStreamPay.sol";
import {vm} from "./Vm.sol";
import {RevertingReceiver} from "./Actors.sol";

/// @notice Drives StreamPay with random but valid-looking actions for the invariant test and keeps
///         ghost books: what each stream paid to whom, measured as balance + claimable deltas.
///         After every action it checks every stream (transitions, monotonicity, conservation)
///         and counts violations instead of reverting, so the invariant functions can report them.
contract StreamHandler {
    StreamPay public immutable sp;
    ComputeRegistry public immutable registry;
    RevertingReceiver public immutable hostile;
    address public constant KEEPER = address(0x4EE9E4);
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
    mapping(bytes32 => uint256) public calls;

    constructor(ComputeRegistry registry_, StreamPay sp_) {
        registry = registry_;
        sp = sp_;
        hostile = new RevertingReceiver();
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
        deposit = 1 + deposit % 1e24;
        duration = 1 + duration % 1e6;
        // A provider stream to a wallet that is not the provider's is allowed; settle must refuse it.
        uint256 pid = asProvider ? providerId : 0;
        vm.deal(sender, sender.balance + deposit);
        uint256 id;
        if (sender == address(hostile)) {
            id = hostile.create{value: deposit}(sp, recipient, duration, pid);
        } else {
            vm.prank(sender);
            id = sp.createStream{value: deposit}(recipient, duration, 0, pid);
        }
        if (id != (ids.length == 0 ? 1 : ids[ids.length - 1] + 1)) _violation("stream id != previous + 1");
        ids.push(id);
        depositOf[id] = deposit;
        calls["create"]++;
        _checkAll();
    }

    function withdraw(uint256 idSeed) external {
        (uint256 id, IStreamPay.Stream memory s) = _pick(idSeed);
        if (s.status != IStreamPay.Status.Active || sp.withdrawableAmountOf(id) == 0) return;
        uint256 r0 = held(s.recipient);
        vm.prank(s.recipient);
        uint256 amount = sp.withdrawFromStream(id);
        toRecipient[id] += held(s.recipient) - r0;
        if (held(s.recipient) - r0 != amount) _violation("withdraw paid != returned amount");
        calls["withdraw"]++;
        _checkAll();
    }

    function cancel(uint256 idSeed, bool bySender) external {
        (uint256 id, IStreamPay.Stream memory s) = _pick(idSeed);
        if (s.status != IStreamPay.Status.Active) return;
        (uint256 r0, uint256 s0) = (held(s.recipient), held(s.sender));
        vm.prank(bySender ? s.sender : s.recipient);
        sp.cancelStream(id);
        _book(id, s, r0, s0);
        calls["cancel"]++;
        _checkAll();
    }

    function settle(uint256 idSeed, uint256 amountSeed) external {
        (uint256 id, IStreamPay.Stream memory s) = _pick(idSeed);
        if (s.status != IStreamPay.Status.Active) return;
        uint256 streamed = sp.streamedAmountOf(id);
        uint256 amount = s.withdrawn + amountSeed % (streamed - s.withdrawn + 1);
        (uint256 r0, uint256 s0) = (held(s.recipient), held(s.sender));
        vm.prank(s.recipient);
        try sp.settle(id, amount) {
            _book(id, s, r0, s0);
            if (s.providerId != 0 && s.recipient != actors[1]) _violation("settle attributed a stream to a wrong wallet");
            calls["settle"]++;
        } catch {
            if (s.providerId == 0 || s.recipient == actors[1]) _violation("a valid settle reverted");
            calls["settle refused"]++;
        }
        _checkAll();
    }

    function batch(uint256 a, uint256 b, uint256 c) external {
        if (ids.length == 0) return;
        uint256[] memory list = new uint256[](4);
        (list[0], list[1], list[2], list[3]) = (ids[a % ids.length], ids[b % ids.length], c % (ids.length + 3), ids[a % ids.length]);
        uint256 feeExpected;
        for (uint256 i; i < list.length; ++i) {
            bool seen;
            for (uint256 j; j < i; ++j) if (list[j] == list[i]) seen = true;
            IStreamPay.Stream memory s = sp.getStream(list[i]);
            if (seen || s.status != IStreamPay.Status.Active || block.timestamp < s.startTime + s.duration) continue;
            feeExpected += (s.deposit - s.withdrawn) / 1000;
        }
        uint256 k0 = held(KEEPER);
        IStreamPay.Stream[] memory before = new IStreamPay.Stream[](4);
        for (uint256 i; i < 4; ++i) before[i] = sp.getStream(list[i]);
        vm.prank(KEEPER);
        (, uint256 fee) = sp.batchUpdateStreams(list);
        if (fee != feeExpected || held(KEEPER) - k0 != fee) _violation("keeper fee not the exact floor");
        expectedKeeperFees += feeExpected;
        for (uint256 i; i < 4; ++i) {
            uint256 id = list[i];
            bool seen;
            for (uint256 j; j < i; ++j) if (list[j] == id) seen = true;
            if (!seen && before[i].status == IStreamPay.Status.Active && sp.getStream(id).status != IStreamPay.Status.Active) {
                uint256 rest = before[i].deposit - before[i].withdrawn;
                toRecipient[id] += rest - rest / 1000;
                toKeeper[id] += rest / 1000;
            }
        }
        calls["batch"]++;
        _checkAll();
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + seconds_ % 200_000);
        calls["warp"]++;
        _checkAll();
    }

    function claim(uint256 actorSeed) external {
        address who = actors[actorSeed % 3]; // the hostile actor claims elsewhere
        if (sp.claimable(who) > 0) {
            vm.prank(who);
            sp.claim();
        }
        if (sp.claimable(address(hostile)) > 0) hostile.claimTo(sp, payable(address(0xDEAD)));
        calls["claim"]++;
    }

    // ------------------------------------------------------------------ books and checks

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
