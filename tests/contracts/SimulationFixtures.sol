// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Fixture contracts for tests/integration/test_policy_simulation.py (A5), compiled at test time with the repository's
// pinned solc. Never deployed outside tests.

/// Bybit-style: a `transfer(address,uint256)` that, DELEGATECALLed by a Safe, writes its first argument into slot 0,
/// the Safe proxy's singleton (the February 2025 payload had this shape).
contract SingletonSwapper {
    function transfer(address to, uint256) external {
        assembly {
            sstore(0, to)
        }
    }
}

/// Writes any slot of whoever DELEGATECALLs it.
contract SlotWriter {
    function write(bytes32 slot, bytes32 value) external {
        assembly {
            sstore(slot, value)
        }
    }
}

/// A transaction guard that allows everything, implementing Safe 1.4.1's Guard interface (with ERC-165).
contract AllowAllGuard {
    function checkTransaction(
        address, uint256, bytes memory, uint8, uint256, uint256, uint256, address, address payable, bytes memory, address
    ) external {}

    function checkAfterExecution(bytes32, bool) external {}

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        bytes4 guard = this.checkTransaction.selector ^ this.checkAfterExecution.selector;
        return interfaceId == guard || interfaceId == 0x01ffc9a7;
    }
}
