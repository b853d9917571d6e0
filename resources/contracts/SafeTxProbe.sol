// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title SafeTxProbe: what one Safe transaction would do to the Safe's own governance state
/// @notice Meant only to be DELEGATECALLed by a Safe (1.3.0 or later) through its `simulateAndRevert`, inside an
///         eth_call: the Safe reverts afterwards, so nothing done here is ever kept. Running in the Safe's context,
///         `probe` reads the Safe's governance state from its storage, performs the transaction's inner action the
///         way the Safe's `execTransaction` does (nonce incremented first, then a CALL with value or a DELEGATECALL
///         with all the gas), reads the state again and returns both readings.
/// @dev No state variables: every slot read or written here is the Safe's. The storage layout is the one of Safe
///      1.3.0 to 1.5.0 (Singleton, ModuleManager, OwnerManager, then the Safe's own fields).
contract SafeTxProbe {
    address private constant SENTINEL = address(0x1);
    uint256 private constant MAX_LIST = 256; // longer lists are returned cut at this length

    uint256 private constant SINGLETON_SLOT = 0;
    uint256 private constant MODULES_SLOT = 1; // mapping(address => address), linked from SENTINEL
    uint256 private constant OWNERS_SLOT = 2; // mapping(address => address), linked from SENTINEL
    uint256 private constant OWNER_COUNT_SLOT = 3;
    uint256 private constant THRESHOLD_SLOT = 4;
    uint256 private constant NONCE_SLOT = 5;
    bytes32 private constant GUARD_SLOT = keccak256("guard_manager.guard.address");
    bytes32 private constant FALLBACK_HANDLER_SLOT = keccak256("fallback_manager.handler.address");
    bytes32 private constant MODULE_GUARD_SLOT = keccak256("module_manager.module_guard.address"); // Safe 1.5.0
    bytes32 private constant IMPLEMENTATION_SLOT = bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1);

    /// The Safe's governance state. `words`: singleton (slot 0), owner count, threshold, nonce, guard, fallback
    /// handler, module guard, EIP-1967 implementation slot, as stored.
    struct State {
        bytes32[8] words;
        address[] owners;
        address[] modules;
    }

    /// @param operation 0 for CALL, 1 for DELEGATECALL (Safe's Enum.Operation)
    /// @return success whether the inner action succeeded
    /// @return returnData what it returned, or its revert data
    /// @return gasUsed gas spent on the inner action
    function probe(address to, uint256 value, bytes calldata data, uint8 operation)
        external
        returns (bool success, bytes memory returnData, uint256 gasUsed, State memory stateBefore, State memory stateAfter)
    {
        require(operation <= 1, "SafeTxProbe: bad operation");
        stateBefore = _read();
        _store(bytes32(NONCE_SLOT), bytes32(uint256(stateBefore.words[3]) + 1)); // as execTransaction: nonce++
        uint256 start = gasleft();
        if (operation == 1) {
            (success, returnData) = to.delegatecall(data);
        } else {
            (success, returnData) = to.call{value: value}(data);
        }
        gasUsed = start - gasleft();
        stateAfter = _read();
    }

    function _read() private view returns (State memory state) {
        state.words = [
            _load(bytes32(SINGLETON_SLOT)),
            _load(bytes32(OWNER_COUNT_SLOT)),
            _load(bytes32(THRESHOLD_SLOT)),
            _load(bytes32(NONCE_SLOT)),
            _load(GUARD_SLOT),
            _load(FALLBACK_HANDLER_SLOT),
            _load(MODULE_GUARD_SLOT),
            _load(IMPLEMENTATION_SLOT)
        ];
        state.owners = _list(OWNERS_SLOT);
        state.modules = _list(MODULES_SLOT);
    }

    /// The linked list stored in the mapping at `slot`, from SENTINEL until SENTINEL, zero or MAX_LIST entries.
    function _list(uint256 slot) private view returns (address[] memory items) {
        items = new address[](MAX_LIST);
        uint256 count = 0;
        address current = _next(slot, SENTINEL);
        while (current != SENTINEL && current != address(0) && count < MAX_LIST) {
            items[count] = current;
            count += 1;
            current = _next(slot, current);
        }
        assembly {
            mstore(items, count)
        }
    }

    function _next(uint256 slot, address key) private view returns (address) {
        return address(uint160(uint256(_load(keccak256(abi.encode(key, slot))))));
    }

    function _load(bytes32 slot) private view returns (bytes32 value) {
        assembly {
            value := sload(slot)
        }
    }

    function _store(bytes32 slot, bytes32 value) private {
        assembly {
            sstore(slot, value)
        }
    }
}
