// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Minimal ERC-3643-style compliance interface, as seen by a permissioned token
interface ICompliance {
    /// @notice Whether moving `amount` from `from` to `to` respects every rule.
    ///         `from` is the zero address for a mint.
    function canTransfer(address from, address to, uint256 amount) external view returns (bool);
}
