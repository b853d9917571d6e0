// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Minimal ERC-3643-style identity registry, as seen by tokens and compliance modules
interface IIdentityRegistry {
    function isVerified(address investor) external view returns (bool);

    function investorCountry(address investor) external view returns (uint16);
}
