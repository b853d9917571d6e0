// SPDX-License-Identifier: MIT
// Test-only EIP-1271 validators that are not Safes (SECURITY L4): one says yes to anything, one reverts, one answers
// with a value that is not the magic 0x1626ba7e. A signed statement naming any of them as its vault must be invalid.
pragma solidity ^0.8.20;

contract AlwaysValid {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0x1626ba7e;
    }
}

contract AlwaysReverts {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        revert("no");
    }
}

contract NotMagic {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }
}
